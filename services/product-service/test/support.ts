// What the product-service tests share: a fresh database, a real auth-service, a running app.
import { applyMigrations } from '@shopmesh/service-kit/db';
import { createTestDatabase, listenOnFreePort, type TestDatabase } from '@shopmesh/service-kit/testing';
import type { App } from '@shopmesh/service-kit';
import { buildApp } from '../src/app.ts';

export const productMigrationsFolder = new URL('../drizzle/', import.meta.url).pathname;

export async function createProductDatabase(postgresUrl: string): Promise<TestDatabase> {
  const database = await createTestDatabase(postgresUrl, 'product_test');
  await applyMigrations({ url: database.url, migrationsFolder: productMigrationsFolder });
  return database;
}

export interface RunningProductService {
  app: App;
  url: string;
}

export async function startProductService(env: NodeJS.ProcessEnv): Promise<RunningProductService> {
  const { app } = await buildApp({ env: { LOG_LEVEL: 'warn', ...env } });
  return { app, url: await listenOnFreePort(app) };
}

// Answers are loosely typed JSON: each test asserts the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
