/** describe: an error's message for a log field or a reason. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
