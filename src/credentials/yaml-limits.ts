// Limits on config.yaml checked before it is parsed. Parsing YAML costs time
// and memory per token (a few µs, a few hundred bytes: 40,000 keys blocked
// the event loop 11.6 s; 800 KB of nested flow peaked at 540 MB), so the
// text is first run through the yaml library's lexer, which is linear and
// lazy, and refused at the first token past a limit. Block scalars (inline
// manifests, certificates) are one token however long: only structure counts.
import { CST, Lexer } from "yaml";

/**
 * MAX_CONFIG_BYTES: the size of config.yaml. The v1alpha1 document we read
 * is a few tens of KiB, but inline manifests (a CNI's YAML in
 * cluster.inlineManifests) make real configs of a few MiB; as block scalars
 * they cost little to parse. 4 MiB is room for those.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * MAX_CONFIG_TOKENS: lexer tokens (keys, values, indicators, comments,
 * spaces). A generated, fully commented control-plane config is about 2,000;
 * one with dozens of added documents a few thousand more. 32,768 is 16 times
 * the first, and bounds the worst parse to well under a second and about
 * 30 MiB, inside the 64 MiB heap the service runs with.
 */
export const MAX_CONFIG_TOKENS = 32_768;

/**
 * MAX_CONFIG_DEPTH: nesting of flow collections ([ and {), and of compact
 * block collections on one line ("- - - x"). Talos configs nest about ten
 * levels; the parser recurses once per level.
 */
export const MAX_CONFIG_DEPTH = 64;

/** MAX_CONFIG_INDENT: columns of indentation, which bounds block nesting (Talos writes 4 per level). */
export const MAX_CONFIG_INDENT = 256;

const MARKERS = new Set([CST.BOM, CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/** configSizeProblem says why `text` is too large to parse, or undefined when it is within every limit. */
export function configSizeProblem(text: string): string | undefined {
  if (text.length > MAX_CONFIG_BYTES) return `config.yaml is larger than ${MAX_CONFIG_BYTES} bytes`;
  let tokens = 0;
  let flow = 0;
  let compact = 0;
  let lineStart = true;
  let scalarNext = false;
  for (const lexeme of new Lexer().lex(text)) {
    if (++tokens > MAX_CONFIG_TOKENS) return `config.yaml has more than ${MAX_CONFIG_TOKENS} YAML tokens`;
    if (scalarNext) {
      // A scalar's own text (plain, quoted or block): never structure.
      scalarNext = false;
      lineStart = lexeme.endsWith("\n");
      if (lineStart) compact = 0;
      continue;
    }
    if (lexeme === CST.SCALAR) scalarNext = true;
    if (MARKERS.has(lexeme)) continue;
    switch (CST.tokenType(lexeme)) {
      case "newline":
        lineStart = true;
        compact = 0;
        continue;
      case "space":
        if (lineStart && lexeme.length > MAX_CONFIG_INDENT) return `config.yaml is indented deeper than ${MAX_CONFIG_INDENT} columns`;
        break;
      case "flow-map-start":
      case "flow-seq-start":
        if (++flow > MAX_CONFIG_DEPTH) return `config.yaml nests more than ${MAX_CONFIG_DEPTH} levels`;
        break;
      case "flow-map-end":
      case "flow-seq-end":
        flow = Math.max(0, flow - 1);
        break;
      case "seq-item-ind":
      case "explicit-key-ind":
        if (++compact > MAX_CONFIG_DEPTH) return `config.yaml nests more than ${MAX_CONFIG_DEPTH} levels`;
        break;
      default:
        break;
    }
    lineStart = false;
  }
  return undefined;
}
