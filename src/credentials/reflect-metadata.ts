// tsyringe, which @peculiar/x509 loads, throws at import time unless the
// Reflect metadata API exists. It only records and looks up constructor
// parameter types of its decorated classes, so a per-object map is all it
// needs; this avoids another dependency. Must be evaluated before
// @peculiar/x509: import it only through ./x509.js.
type MetadataMap = Map<unknown, unknown>;

const byTarget = new WeakMap<object, Map<PropertyKey | undefined, MetadataMap>>();

function own(target: object, property: PropertyKey | undefined, create: boolean): MetadataMap | undefined {
  let perProperty = byTarget.get(target);
  if (perProperty === undefined && create) byTarget.set(target, (perProperty = new Map()));
  let map = perProperty?.get(property);
  if (map === undefined && create) perProperty?.set(property, (map = new Map()));
  return map;
}

const api = {
  defineMetadata(key: unknown, value: unknown, target: object, property?: PropertyKey): void {
    own(target, property, true)?.set(key, value);
  },
  getOwnMetadata(key: unknown, target: object, property?: PropertyKey): unknown {
    return own(target, property, false)?.get(key);
  },
  getMetadata(key: unknown, target: object, property?: PropertyKey): unknown {
    // Walks the prototype chain, as the real API does for inherited classes.
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
      const map = own(t, property, false);
      if (map?.has(key) === true) return map.get(key);
    }
    return undefined;
  },
};

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect["getMetadata"] !== "function") Object.assign(reflect, api);
