// Picks the innermost function-like document symbol that contains the cursor, from the tree a
// document symbol provider returns. Pure: symbol kinds are vscode.SymbolKind's numeric values.
import type { LineRange } from './indentationBlock';

export interface SymbolNode {
  name: string;
  kind: number;
  range: LineRange;
  children?: readonly SymbolNode[];
}

/** vscode.SymbolKind: Method = 5, Constructor = 8, Function = 11. */
export const FUNCTION_LIKE_KINDS: ReadonlySet<number> = new Set([5, 8, 11]);

export function functionAtLine(symbols: readonly SymbolNode[], line: number): SymbolNode | undefined {
  let found: SymbolNode | undefined;
  for (const symbol of symbols) {
    if (line < symbol.range.start || line > symbol.range.end) continue;
    if (FUNCTION_LIKE_KINDS.has(symbol.kind)) found = symbol;
    const inner = functionAtLine(symbol.children ?? [], line);
    if (inner) return inner;
  }
  return found;
}
