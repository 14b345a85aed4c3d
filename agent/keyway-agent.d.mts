// Types of what agent/keyway-agent.mjs exports, for Keyway's TypeScript tests.
import type { BlockList } from "node:net";

export declare const AGENT_VERSION: string;
export type AllowList = { ranges: BlockList; names: Set<string>; suffixes: string[]; text: string };
export declare function parseAllowList(text: string): AllowList;
export declare function nameAllowed(allow: AllowList, host: string): boolean;
export declare function addressAllowed(allow: AllowList, address: string): boolean;
