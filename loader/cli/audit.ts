import type { Output } from './arguments.js';

export async function auditCommand(_args: string[], _out: Output): Promise<number> {
  throw new Error('piekit audit is being written');
}
