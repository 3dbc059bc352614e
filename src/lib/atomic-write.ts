/**
 * Atomic, idempotent file writes: temp file in the same directory, fsync, chmod, rename.
 * Unchanged content (and mode) is not rewritten, so callers can tell whether anything changed and
 * restart only what depends on it.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface WriteOptions {
  /** File mode, always explicit: the one-apps framework runs stages under umask 0077. */
  mode: number;
  /** Directory mode for parents that must be created. */
  dirMode?: number;
  uid?: number;
  gid?: number;
}

/** Writes `content` to `path` unless it already holds exactly that; returns whether it wrote. */
export async function writeFileAtomic(path: string, content: string | Uint8Array, options: WriteOptions): Promise<boolean> {
  const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  const existing = await readFile(path).catch(() => undefined);
  if (existing?.equals(data)) {
    const st = await stat(path);
    if ((st.mode & 0o7777) === options.mode && ownerMatches(st, options)) return false;
    await chmod(path, options.mode);
    if (options.uid !== undefined || options.gid !== undefined) await chown(path, options.uid ?? st.uid, options.gid ?? st.gid);
    return true;
  }
  await mkdir(dirname(path), { recursive: true, mode: options.dirMode ?? 0o755 });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', options.mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(options.mode);
      if (options.uid !== undefined || options.gid !== undefined) {
        await handle.chown(options.uid ?? process.getuid?.() ?? 0, options.gid ?? process.getgid?.() ?? 0);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return true;
}

function ownerMatches(st: { uid: number; gid: number }, options: WriteOptions): boolean {
  return (options.uid === undefined || st.uid === options.uid) && (options.gid === undefined || st.gid === options.gid);
}
