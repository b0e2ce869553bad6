import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { feature } from "topojson-client";
import { stateIndex } from "../signals/geography.js";

/** A state's outline (GeoJSON, projected) with its name, one of the 51 of `US_STATES`. */
export interface StateShape {
  type: "Feature";
  id?: string | number;
  properties: { name: string };
  geometry: unknown;
}

let cached: StateShape[] | undefined;

/**
 * The 51 states' outlines from us-atlas (Census Bureau cartographic boundaries, 1:10m, 2017),
 * already projected to Albers USA in a 975 × 610 frame with Alaska and Hawaii as insets, so the
 * map needs no projection of its own. Territories (Puerto Rico, Guam, ...) are left out, as they
 * are left out of the state ranking.
 */
export function usStateShapes(): StateShape[] {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const topo = JSON.parse(
    readFileSync(require.resolve("us-atlas/states-albers-10m.json"), "utf8"),
  ) as Parameters<typeof feature>[0];
  // "states" is a GeometryCollection, so feature() gives a FeatureCollection; the typings pick
  // their first overload for a name given as a string.
  const all = (feature(topo, "states") as unknown as { features: StateShape[] }).features;
  cached = all.filter((f) => stateIndex(f.properties.name) >= 0);
  return cached;
}
