/**
 * Runs a tool and shapes its answer as an MCP CallToolResult: structured content plus the same
 * JSON as text for older clients, or `isError` with a message that says how to recover. This
 * is the one place tools are executed, whichever path (SDK server, fast lane, stdio) got the call.
 */
import { ContentKvError, IdempotencyKeyReusedError, StoreUnavailableError, ValidationError } from '../domain/errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { ToolContext, ToolDefinition } from './tool.js';

export interface CallToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const HINTS: Partial<Record<ContentKvError['code'], string>> = {
  NOT_FOUND: 'Check the id with list_projects, list_resources or search_content.',
  VALIDATION_FAILED: 'Fix the fields named above and call again.',
  PAYLOAD_TOO_LARGE: 'Shorten the content and call again.',
  STORE_UNAVAILABLE: 'Nothing was saved. Call again after the delay.',
  READ_ONLY: 'Nothing was written. The content cannot be edited on this deployment until Redis takes the writes.',
  SCHEMA_TOO_NEW: 'Nothing was written. Ask the operator to upgrade this server.',
  MIGRATION_GUARD: 'Nothing was changed.',
};

function hintFor(error: ContentKvError, access: 'read' | 'write'): string | undefined {
  // Its message already says what to do; no field of the call is at fault.
  if (error instanceof IdempotencyKeyReusedError) return undefined;
  if (error instanceof StoreUnavailableError) {
    if (access === 'read') return 'Call again after the delay.';
    if (error.maybeApplied) return 'The change may or may not have been saved. Call again after the delay with the same idempotencyKey; a write already saved is not applied twice.';
  }
  return HINTS[error.code];
}

export function errorResult(error: unknown, access: 'read' | 'write' = 'write'): CallToolResult {
  if (error instanceof ContentKvError) {
    const issues = error instanceof ValidationError && error.issues.length > 1 ? `\n${error.issues.map((issue) => `- ${issue.path}: ${issue.message}`).join('\n')}` : '';
    const hint = hintFor(error, access);
    return { content: [{ type: 'text', text: `${error.code}: ${error.message}${issues}${hint ? `\n${hint}` : ''}` }], isError: true };
  }
  return { content: [{ type: 'text', text: 'INTERNAL: the tool failed unexpectedly and the server logged why. Retry once; if it fails again, report it.' }], isError: true };
}

/** A successful result whose text block is its structured content: passed on as that text alone. */
function asOutcome(result: CallToolResult): { text: string } | { result: CallToolResult } {
  const text = result.content[0]?.text;
  return result.structuredContent !== undefined && result.content.length === 1 && result.isError === undefined && text !== undefined ? { text } : { result };
}

export interface ToolRunner {
  run(tool: ToolDefinition, args: Record<string, unknown>, context: ToolContext): Promise<CallToolResult>;
  /**
   * The structured content as JSON text where the result is a plain success (from the tool's
   * runText when it has one, else from run's text block), else the whole result.
   */
  runText(tool: ToolDefinition, args: Record<string, unknown>, context: ToolContext): Promise<{ text: string } | { result: CallToolResult }>;
}

export function createToolRunner(options: { metrics?: Metrics | undefined; onUnexpected?: (error: unknown, tool: string) => void }): ToolRunner {
  return {
    async run(tool, args, context) {
      try {
        const data = await tool.run(args, context);
        // Validated here, before any transport sees it, so every path answers alike.
        const checked = tool.outputSchema.safeParse(data);
        if (!checked.success) throw new Error(`output of ${tool.name} does not match its schema: ${checked.error.message}`);
        options.metrics?.mcpCalls.inc({ tool: tool.name, outcome: 'ok' });
        return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
      } catch (error) {
        return failed(tool, error);
      }
    },
    async runText(tool, args, context) {
      if (!tool.runText) return asOutcome(await this.run(tool, args, context));
      try {
        const text = await tool.runText(args, context);
        options.metrics?.mcpCalls.inc({ tool: tool.name, outcome: 'ok' });
        return { text };
      } catch (error) {
        return { result: failed(tool, error) };
      }
    },
  };

  function failed(tool: ToolDefinition, error: unknown): CallToolResult {
    const known = error instanceof ContentKvError;
    options.metrics?.mcpCalls.inc({ tool: tool.name, outcome: known ? error.code : 'INTERNAL' });
    if (!known) options.onUnexpected?.(error, tool.name);
    return errorResult(error, tool.access);
  }
}
