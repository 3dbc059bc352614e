/** `--root DIR` of the appliance commands: the sandbox tree every appliance path lives under. */
import { unsafeRootReason } from '../appliance/appliance-fs.ts';
import { textOption } from '../lib/options.ts';

export function rootOption(description: string, defaultText: string) {
  return textOption({ placeholder: 'DIR', description, defaultText, check: unsafeRootReason });
}
