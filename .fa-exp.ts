import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
const path = process.argv[2]!;
const llama = await getLlama({ build: 'never', gpu: false, skipDownload: true, maxThreads: 2, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
const text = 'function add(a, b) { return a + b; } // the quick brown fox jumps over the lazy dog\n'.repeat(400);
const prompt = model.tokenize(text).slice(0, 2000);
for (let round = 0; round < 2; round++) {
  for (const fa of [false, true]) {
    const ctx = await model.createContext({ contextSize: 4096, sequences: 1, threads: 2, batchSize: 512, failedCreationRemedy: false, flashAttention: fa });
    const seq = ctx.getSequence();
    let t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(prompt);
    const prefill = prompt.length / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    let n = 0;
    for await (const _t of seq.evaluate([prompt[0]!], { temperature: 0 })) { if (++n >= 64) break; }
    const decode = n / ((performance.now() - t0) / 1000);
    console.log(`round ${round} fa=${fa}: prefill ${prefill.toFixed(1)} tok/s, decode ${decode.toFixed(1)} tok/s`);
    await ctx.dispose();
  }
}
