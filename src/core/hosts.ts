// hostCount counts distinct hosts when each read names a host by several
// handles (server key, ballot id, address): reads that share any handle are
// one host. A small union-find; a pass holds at most a few dozen reads.

export function hostCount(groups: readonly (readonly string[])[]): number {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(x, root);
    return root;
  };
  for (const group of groups) {
    for (const item of group) if (!parent.has(item)) parent.set(item, item);
    const [first, ...rest] = group;
    if (first === undefined) continue;
    for (const item of rest) parent.set(find(item), find(first));
  }
  return new Set([...parent.keys()].map(find)).size;
}
