/**
 * Only the speculative-decoding rows of `slm-copilot bench` (sections/speculative.ts), for iterating on
 * them without the whole run:
 *   node tools/bench-speculative.ts [tokens=128] [threads=usable−1] [repeat=5] [maxDraft=engine default] [case id, e.g. spec-copy]
 */
import { generatedModelPath, modelCacheDir } from '../src/bench/bench-model.ts';
import { stderrProgress } from '../src/bench/progress.ts';
import { renderTable } from '../src/bench/report.ts';
import { benchReport, benchStart } from '../src/bench/report-envelope.ts';
import { copyModelPath, runSpeculativeSection, speculativeCases } from '../src/bench/sections/speculative.ts';
import { DEFAULT_SPECULATION } from '../src/engine/inference/speculative-decode.ts';
import { defaultThreadCount } from '../src/lib/usable-cpus.ts';

const [tokens = 128, threads = defaultThreadCount(), repeat = 5, maxDraft = DEFAULT_SPECULATION.maxDraft] = process.argv
  .slice(2, 6)
  .map(Number);
const only = process.argv[6];
const contextSize = 4096;
const dir = modelCacheDir(process.env);
const benchModel = await generatedModelPath('bench', dir, stderrProgress);
const start = benchStart();
const cases = speculativeCases(await copyModelPath(dir, stderrProgress), benchModel, tokens).filter(
  (c) => only === undefined || c.id === only,
);
const { rows, details } = await runSpeculativeSection(cases, threads, contextSize, repeat, stderrProgress, maxDraft);
const report = benchReport(
  start,
  { model: benchModel, threads, contextSize, tokens, repeat, quick: false, edge: 'n/a' },
  { rows, details, notes: [] },
);
process.stdout.write(renderTable(report));
