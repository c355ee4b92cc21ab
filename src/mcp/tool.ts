/**
 * A tool, independent of any transport: its name, what an assistant is told about it, zod input
 * and output schemas, precise annotations, whether it reads or writes, and what it does. The MCP
 * SDK server, the HTTP fast lane and stdio are all built from the same definitions.
 */
import type { z } from 'zod';
import type { Actor } from '../domain/audit.js';
import { opIdSchema } from '../domain/ids.js';
import type { ContentService } from '../service/content-service.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** Reads: no side effects, safe to repeat. */
export const READS: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** Creates: only adds content. */
export const ADDS: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
/** Updates and deletes with expectedVersion: they replace content, and a repeat has no further effect. */
export const REPLACES: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
/** Restores: replace content, and each call makes a new version. */
export const REWRITES: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };

/** The argument every write tool takes so that a retry is applied once (Idempotency-Key in REST). */
export const idempotencyKeyArg = opIdSchema.optional().describe('Optional key (8-128 letters, digits, _ or -): a retry with the same key is applied only once');

export interface MigrationStatusSource {
  status(): Promise<Record<string, unknown>>;
}

export interface ToolDeps {
  service: ContentService;
  migration: MigrationStatusSource;
}

export interface ToolContext extends ToolDeps {
  actor: Actor;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  access: 'read' | 'write';
  annotations: ToolAnnotations;
  inputSchema: z.ZodObject;
  outputSchema: z.ZodObject;
  run(args: Record<string, unknown>, context: ToolContext): Promise<Record<string, unknown>>;
  /**
   * For a tool whose answer is a stored document passed on as is: the structured content as JSON
   * text, spliced from the text the store holds. It must equal JSON.stringify of run's answer;
   * the HTTP fast lane uses it to skip parsing and serializing the document again.
   */
  runText?(args: Record<string, unknown>, context: ToolContext): Promise<string>;
}

/** Keeps each tool's handler typed by its own schemas while the registry holds them uniformly. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(tool: {
  name: string;
  title: string;
  description: string;
  access: 'read' | 'write';
  annotations: ToolAnnotations;
  inputSchema: I;
  outputSchema: O;
  run(args: z.infer<I>, context: ToolContext): Promise<z.infer<O>>;
  runText?(args: z.infer<I>, context: ToolContext): Promise<string>;
}): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
