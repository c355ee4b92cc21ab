/** The 16 tools: the original 8 names, kept exactly, and the 8 added. */
import type { ToolDefinition } from '../tool.js';
import { auditTools } from './audit-tools.js';
import { contentTools } from './content-tools.js';
import { historyTools } from './history-tools.js';
import { migrationTool } from './migration-tool.js';
import { searchTool } from './search-tool.js';

export function allTools(): ToolDefinition[] {
  return [...contentTools('projects'), ...contentTools('resources'), ...auditTools(), searchTool(), ...historyTools(), migrationTool()];
}

export function toolsFor(role: 'read' | 'write', tools: ToolDefinition[] = allTools()): ToolDefinition[] {
  return role === 'write' ? tools : tools.filter((tool) => tool.access === 'read');
}
