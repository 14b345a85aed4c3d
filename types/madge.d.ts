// madge ships no types; the part of its API the import-cycle test uses.
declare module "madge" {
  type MadgeConfig = { baseDir?: string; fileExtensions?: string[]; tsConfig?: string | object; excludeRegExp?: RegExp[] };
  type MadgeResult = { obj(): Record<string, string[]>; circular(): string[][] };
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
}
