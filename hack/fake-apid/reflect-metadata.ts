// The few Reflect metadata functions tsyringe (a dependency of @peculiar/x509)
// insists on finding at load time. Import this module before @peculiar/x509.
// Written here instead of adding the reflect-metadata package: tsyringe only
// stores and reads back constructor-parameter tokens, nothing else.
type Key = unknown;
type Store = Map<PropertyKey | undefined, Map<Key, unknown>>;

const stores = new WeakMap<object, Store>();

function table(target: object, prop: PropertyKey | undefined, create: boolean): Map<Key, unknown> | undefined {
  let store = stores.get(target);
  if (store === undefined) {
    if (!create) return undefined;
    store = new Map();
    stores.set(target, store);
  }
  let entries = store.get(prop);
  if (entries === undefined && create) {
    entries = new Map();
    store.set(prop, entries);
  }
  return entries;
}

function getOwnMetadata(key: Key, target: object, prop?: PropertyKey): unknown {
  return table(target, prop, false)?.get(key);
}

function getMetadata(key: Key, target: object, prop?: PropertyKey): unknown {
  for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
    const entries = table(t, prop, false);
    if (entries?.has(key) === true) return entries.get(key);
  }
  return undefined;
}

function defineMetadata(key: Key, value: unknown, target: object, prop?: PropertyKey): void {
  table(target, prop, true)?.set(key, value);
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect["getMetadata"] !== "function") {
  Object.assign(reflect, { getMetadata, getOwnMetadata, defineMetadata });
}
