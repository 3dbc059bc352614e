import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
const llama = await getLlama({ build: 'never', gpu: false, skipDownload: true, maxThreads: 2, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: process.env.HOME + '/.cache/slm-copilot/models/bench-v2.gguf' });
const text = 'export function parsePort(text: string): number { const port = Number.parseInt(text, 10); return port; } '.repeat(20);
const tokens = model.tokenize(text).slice(0, 256) as Token[];
const ctxs = { 1: await model.createContext({ contextSize: 1024, threads: 1, batchSize: 512 }), 2: await model.createContext({ contextSize: 1024, threads: 2, batchSize: 512 }) };
for (let round = 0; round < 2; round++) {
  for (const t of round % 2 === 0 ? [1, 2] : [2, 1]) {
    const seq = ctxs[t as 1 | 2].getSequence();
    const s = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(tokens);
    const pre = (tokens.length * 1000) / (performance.now() - s);
    const d = performance.now();
    let n = 0;
    for await (const _ of seq.evaluate([tokens[0] as Token], { temperature: 0 })) if (++n >= 8) break;
    const dec = (8 * 1000) / (performance.now() - d);
    console.log(`round ${round} threads ${t}: prefill ${pre.toFixed(1)} tok/s, decode ${dec.toFixed(1)} tok/s`);
    seq.dispose();
  }
}
