/**
 * The CLI on a base model (the GPT-2 replica without a chat template, engine/testing/baseModelReplica.ts):
 * `project` reads completion text ("Question: … Answer:") on its own, `--prompt-format chat` forces the
 * chat rendering instead, and a wrong value is refused with the choices.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBaseModelReplica } from '../engine/testing/baseModelReplica';
import { REPO_ROOT } from '../engine/testing/paths';
import { makePersonaVector } from '../persona/personaVector';
import { exportVectorSafetensors } from '../persona/vectorFile';

const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(TSX, ['src/cli.ts', ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let vec: string;
beforeAll(() => {
  dir = writeBaseModelReplica();
  vec = join(dir, 'vec.safetensors');
  const data = Float32Array.from({ length: 3 * 32 }, (_, i) => Math.sin(i));
  writeFileSync(vec, exportVectorSafetensors(makePersonaVector(3, 32, data, { trait: 'cheerful', modelId: dir })));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI prompt format', () => {
  it('project on a base model reads "Question: … Answer:" text; --prompt-format chat does not', async () => {
    const args = ['project', dir, '--vector', vec, '--layer', '1', '--text', 'How is the day ?', '--response', 'sunny', '--quiet'];
    const auto = await cli(args);
    expect(auto.stderr).not.toMatch(/Error/);
    expect(auto.code).toBe(0);
    const tokens = (JSON.parse(auto.stdout) as { tokens: { token: string; part: string }[] }).tokens;
    expect(tokens.filter((t) => t.part === 'prompt').map((t) => t.token)).toEqual(['Question', ':', 'How', 'is', '[UNK]', 'day', '[UNK]', 'Answer', ':']);
    expect(tokens.filter((t) => t.part === 'response').map((t) => t.token)).toEqual(['sunny']);
    const chat = await cli([...args, '--prompt-format', 'chat']);
    expect(chat.code).toBe(0);
    const chatPrompt = (JSON.parse(chat.stdout) as { tokens: { token: string; part: string }[] }).tokens.filter((t) => t.part === 'prompt').map((t) => t.token);
    expect(chatPrompt).not.toContain('Question');
    expect(chatPrompt).toContain('How');
    const bad = await cli([...args, '--prompt-format', 'plain']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--prompt-format must be one of chat, completion, got "plain"/);
  });
});
