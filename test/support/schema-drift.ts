/**
 * Compares what schema.prisma says the database looks like with what the
 * migrations actually built, because nothing else checks that a schema edit
 * came with its migration (Prisma's engine, which would, cannot run here).
 *
 * Both sides are reduced to the same SchemaShape, in Postgres's own terms
 * (format_type spellings), and diffSchemas lists every difference in words.
 * Things the schema cannot express are not compared: triggers, functions,
 * generated columns, and partial or expression indexes a migration adds by
 * hand; the append-only trigger on "AuditEvent" is one.
 */
import pg from "pg";

export type DefaultKind = "none" | "value" | "sequence" | "generated";

export interface ColumnShape {
  /** As Postgres's format_type prints it ("text", "timestamp(3) without time zone"), or an enum's name; "[]" for lists. */
  type: string;
  nullable: boolean;
  default: DefaultKind;
}

export interface IndexShape {
  /** Key columns in order, each with " DESC" when sorted descending. */
  columns: string[];
  /** Access method; "btree" unless the schema says `type: Hash` etc. */
  method: string;
}

export interface ForeignKeyShape {
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  uniques: IndexShape[];
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

export interface SchemaShape {
  tables: Record<string, TableShape>;
  /** Enum name → its values, in order. */
  enums: Record<string, string[]>;
}

// ---------------------------------------------------------------------------
// From schema.prisma (through Prisma's DMMF)
// ---------------------------------------------------------------------------

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  hasDefaultValue: boolean;
  isUpdatedAt: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  algorithm?: string;
  fields: { name: string; sortOrder?: "asc" | "desc" }[];
}

interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName?: string | null }[];
}

const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  Bytes: "bytea",
};

const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Text: () => "text",
  VarChar: (a) => withArgs("character varying", a),
  Char: (a) => withArgs("character", a),
  Uuid: () => "uuid",
  Xml: () => "xml",
  Inet: () => "inet",
  Citext: () => "citext",
  Bit: (a) => withArgs("bit", a),
  VarBit: (a) => withArgs("bit varying", a),
  Integer: () => "integer",
  SmallInt: () => "smallint",
  BigInt: () => "bigint",
  Oid: () => "oid",
  DoublePrecision: () => "double precision",
  Real: () => "real",
  Decimal: (a) => withArgs("numeric", a),
  Money: () => "money",
  Boolean: () => "boolean",
  Json: () => "json",
  JsonB: () => "jsonb",
  ByteA: () => "bytea",
  Date: () => "date",
  Timestamp: (a) => `${withArgs("timestamp", a)} without time zone`,
  Timestamptz: (a) => `${withArgs("timestamp", a)} with time zone`,
  Time: (a) => `${withArgs("time", a)} without time zone`,
  Timetz: (a) => `${withArgs("time", a)} with time zone`,
};

function withArgs(base: string, args: string[]): string {
  return args.length > 0 ? `${base}(${args.join(",")})` : base;
}

// Prisma spells referential actions in PascalCase; Postgres in SQL keywords.
const ACTIONS: Record<string, string> = {
  Cascade: "CASCADE",
  Restrict: "RESTRICT",
  NoAction: "NO ACTION",
  SetNull: "SET NULL",
  SetDefault: "SET DEFAULT",
};

// Defaults Prisma computes in the client, so the column has none.
const CLIENT_SIDE_DEFAULTS = new Set(["cuid", "uuid", "nanoid", "ulid"]);

function defaultKindOf(field: DmmfField): DefaultKind {
  if (!field.hasDefaultValue) return "none";
  const value = field.default;
  if (value && typeof value === "object" && !Array.isArray(value) && "name" in value) {
    const name = String((value as { name: unknown }).name);
    if (name === "autoincrement") return "sequence";
    if (CLIENT_SIDE_DEFAULTS.has(name)) return "none";
  }
  return "value";
}

export async function describeSchemaFromDmmf(datamodel: string): Promise<SchemaShape> {
  // @prisma/internals is CommonJS; under ESM its exports sit on `.default`.
  const internals = (await import("@prisma/internals")) as unknown as {
    default?: { getDMMF: typeof import("@prisma/internals").getDMMF };
    getDMMF?: typeof import("@prisma/internals").getDMMF;
  };
  const getDMMF = internals.default?.getDMMF ?? internals.getDMMF;
  if (!getDMMF) throw new Error("@prisma/internals does not export getDMMF");
  const dmmf = await getDMMF({ datamodel });
  const models = dmmf.datamodel.models as unknown as DmmfModel[];
  const enums = dmmf.datamodel.enums as unknown as DmmfEnum[];
  const indexes = dmmf.datamodel.indexes as unknown as DmmfIndex[];

  const shape: SchemaShape = { tables: {}, enums: {} };
  const enumDbName = new Map<string, string>();
  for (const e of enums) {
    const name = e.dbName ?? e.name;
    enumDbName.set(e.name, name);
    shape.enums[name] = e.values.map((v) => v.dbName ?? v.name);
  }

  const modelByName = new Map(models.map((m) => [m.name, m]));
  const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
  const fieldOf = (model: DmmfModel, fieldName: string): DmmfField => {
    const field = model.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`Field ${model.name}.${fieldName} not found in the DMMF`);
    return field;
  };
  const columnOf = (model: DmmfModel, fieldName: string) => {
    const field = fieldOf(model, fieldName);
    return field.dbName ?? field.name;
  };
  const typeOf = (field: DmmfField): string => {
    let base: string;
    if (field.kind === "enum") {
      base = enumDbName.get(field.type) ?? field.type;
    } else if (field.nativeType) {
      const [native, args] = field.nativeType;
      const map = NATIVE_TYPES[native];
      if (!map) throw new Error(`schema-drift does not know @db.${native} (on ${field.name}); add it to NATIVE_TYPES`);
      base = map(args);
    } else {
      const mapped = SCALAR_TYPES[field.type];
      if (!mapped) throw new Error(`schema-drift does not know the Prisma type ${field.type} (on ${field.name})`);
      base = mapped;
    }
    return field.isList ? `${base}[]` : base;
  };

  for (const model of models) {
    const table: TableShape = { columns: {}, primaryKey: [], uniques: [], indexes: [], foreignKeys: [] };
    shape.tables[tableOf(model)] = table;
    for (const field of model.fields) {
      if (field.kind === "scalar" || field.kind === "enum") {
        table.columns[field.dbName ?? field.name] = {
          type: typeOf(field),
          // Prisma's migrations leave list columns nullable although a list field cannot have `?`.
          nullable: !field.isRequired || field.isList,
          // @updatedAt is set by the client, so it adds no default unless @default is also written.
          default: defaultKindOf(field),
        };
      }
      if (field.kind === "object" && field.relationFromFields && field.relationFromFields.length > 0) {
        const target = modelByName.get(field.type);
        if (!target) throw new Error(`Relation ${model.name}.${field.name} points at unknown model ${field.type}`);
        // Prisma's defaults: an optional relation sets null, a required one restricts; updates cascade.
        const optional = field.relationFromFields.some((f) => !fieldOf(model, f).isRequired);
        table.foreignKeys.push({
          columns: field.relationFromFields.map((f) => columnOf(model, f)),
          referencedTable: tableOf(target),
          referencedColumns: (field.relationToFields ?? []).map((f) => columnOf(target, f)),
          onDelete: ACTIONS[field.relationOnDelete ?? (optional ? "SetNull" : "Restrict")] ?? String(field.relationOnDelete),
          onUpdate: ACTIONS[field.relationOnUpdate ?? "Cascade"] ?? String(field.relationOnUpdate),
        });
      }
    }
  }

  for (const index of indexes) {
    const model = modelByName.get(index.model);
    if (!model) continue;
    const table = shape.tables[tableOf(model)]!;
    const columns = index.fields.map((f) => columnOf(model, f.name) + (f.sortOrder === "desc" ? " DESC" : ""));
    const method = (index.algorithm ?? "BTree").toLowerCase();
    if (index.type === "id") table.primaryKey = index.fields.map((f) => columnOf(model, f.name));
    else if (index.type === "unique") table.uniques.push({ columns, method });
    else if (index.type === "normal") table.indexes.push({ columns, method });
  }

  addImplicitManyToManyTables(models, shape, tableOf, typeOf);
  return shape;
}

/**
 * Implicit many-to-many relations (`Tag[]` on both sides, no @relation fields)
 * get a join table Prisma names `_<relation name>`, with columns A and B
 * pointing at the two models in alphabetical order.
 */
function addImplicitManyToManyTables(
  models: DmmfModel[],
  shape: SchemaShape,
  tableOf: (model: DmmfModel) => string,
  typeOf: (field: DmmfField) => string,
) {
  const seen = new Set<string>();
  for (const model of models) {
    for (const field of model.fields) {
      if (field.kind !== "object" || !field.isList || !field.relationName || seen.has(field.relationName)) continue;
      const other = models.find((m) => m.name === field.type);
      const back = other?.fields.find((f) => f.relationName === field.relationName && f !== field);
      if (!other || !back?.isList) continue;
      seen.add(field.relationName);
      const [a, b] = [model, other].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)) as [DmmfModel, DmmfModel];
      const idOf = (m: DmmfModel) => {
        const id = m.fields.find((f) => f.isId);
        if (!id) throw new Error(`Implicit many-to-many ${field.relationName} needs a single-field @id on ${m.name}`);
        return id;
      };
      const idA = idOf(a);
      const idB = idOf(b);
      const column = (id: DmmfField): ColumnShape => ({ type: typeOf({ ...id, isList: false }), nullable: false, default: "none" });
      const reference = (col: string, m: DmmfModel, id: DmmfField): ForeignKeyShape => ({
        columns: [col],
        referencedTable: tableOf(m),
        referencedColumns: [id.dbName ?? id.name],
        onDelete: "CASCADE",
        onUpdate: "CASCADE",
      });
      shape.tables[`_${field.relationName}`] = {
        columns: { A: column(idA), B: column(idB) },
        primaryKey: ["A", "B"],
        uniques: [],
        indexes: [{ columns: ["B"], method: "btree" }],
        foreignKeys: [reference("A", a, idA), reference("B", b, idB)],
      };
    }
  }
}

// ---------------------------------------------------------------------------
// From a live database (pg_catalog)
// ---------------------------------------------------------------------------

const FK_ACTIONS: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

export async function describeSchemaFromDatabase(databaseUrl: string): Promise<SchemaShape> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const shape: SchemaShape = { tables: {}, enums: {} };

    const enums = await client.query<{ name: string; labels: string[] }>(`
      SELECT t.typname AS name,
             array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' AND t.typtype = 'e'`);
    for (const row of enums.rows) shape.enums[row.name] = row.labels;

    const tables = await client.query<{ name: string }>(`
      SELECT c.relname AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`);
    for (const row of tables.rows) {
      shape.tables[row.name] = { columns: {}, primaryKey: [], uniques: [], indexes: [], foreignKeys: [] };
    }
    const tableNamed = (name: string) => shape.tables[name];

    const columns = await client.query<{
      table: string;
      column: string;
      not_null: boolean;
      type: string;
      default_expr: string | null;
      identity: string;
      generated: string;
    }>(`
      SELECT c.relname AS table, a.attname AS column, a.attnotnull AS not_null,
             CASE WHEN t.typtype = 'e' THEN t.typname::text
                  WHEN et.typtype = 'e' THEN et.typname::text || '[]'
                  ELSE format_type(a.atttypid, a.atttypmod) END AS type,
             pg_get_expr(d.adbin, d.adrelid) AS default_expr,
             a.attidentity::text AS identity, a.attgenerated::text AS generated
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY c.relname, a.attnum`);
    for (const row of columns.rows) {
      const table = tableNamed(row.table);
      if (!table) continue;
      let kind: DefaultKind = "none";
      if (row.generated !== "") kind = "generated";
      else if (row.identity !== "" || row.default_expr?.startsWith("nextval(")) kind = "sequence";
      else if (row.default_expr !== null) kind = "value";
      table.columns[row.column] = { type: row.type, nullable: !row.not_null, default: kind };
    }

    const indexes = await client.query<{
      table: string;
      is_unique: boolean;
      is_primary: boolean;
      partial_or_expression: boolean;
      method: string;
      columns: string[];
      descending: boolean[];
    }>(`
      SELECT c.relname AS table, x.indisunique AS is_unique, x.indisprimary AS is_primary,
             (x.indpred IS NOT NULL OR x.indexprs IS NOT NULL) AS partial_or_expression,
             am.amname::text AS method,
             array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                    WHERE k.ord <= x.indnkeyatts ORDER BY k.ord) AS columns,
             array(SELECT (o.opt & 1) = 1 FROM unnest(x.indoption::int2[]) WITH ORDINALITY o(opt, ord)
                    WHERE o.ord <= x.indnkeyatts ORDER BY o.ord) AS descending
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_am am ON am.oid = i.relam
       WHERE n.nspname = 'public'`);
    for (const row of indexes.rows) {
      const table = tableNamed(row.table);
      // Partial and expression indexes cannot be written in schema.prisma, so a migration may add them by hand.
      if (!table || row.partial_or_expression) continue;
      if (row.is_primary) {
        table.primaryKey = row.columns;
        continue;
      }
      const index: IndexShape = {
        columns: row.columns.map((column, i) => column + (row.descending[i] ? " DESC" : "")),
        method: row.method,
      };
      (row.is_unique ? table.uniques : table.indexes).push(index);
    }

    const foreignKeys = await client.query<{
      table: string;
      columns: string[];
      referenced_table: string;
      referenced_columns: string[];
      on_delete: string;
      on_update: string;
    }>(`
      SELECT c.relname AS table, rc.relname AS referenced_table,
             array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
             array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS referenced_columns,
             con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_class rc ON rc.oid = con.confrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND con.contype = 'f'`);
    for (const row of foreignKeys.rows) {
      tableNamed(row.table)?.foreignKeys.push({
        columns: row.columns,
        referencedTable: row.referenced_table,
        referencedColumns: row.referenced_columns,
        onDelete: FK_ACTIONS[row.on_delete] ?? row.on_delete,
        onUpdate: FK_ACTIONS[row.on_update] ?? row.on_update,
      });
    }
    return shape;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------

const IN_SCHEMA = "in schema.prisma";
const IN_DB = "in the database";

function indexLabel(table: string, index: IndexShape): string {
  const using = index.method === "btree" ? "" : ` USING ${index.method}`;
  return `"${table}"(${index.columns.join(", ")})${using}`;
}

function fkLabel(table: string, fk: ForeignKeyShape): string {
  return `foreign key "${table}"(${fk.columns.join(", ")}) → "${fk.referencedTable}"(${fk.referencedColumns.join(", ")})`;
}

/** Entries present on one side only, matched by `key`. */
function oneSided<T>(expected: T[], actual: T[], key: (item: T) => string, describe: (item: T) => string): string[] {
  const expectedKeys = new Set(expected.map(key));
  const actualKeys = new Set(actual.map(key));
  return [
    ...expected.filter((item) => !actualKeys.has(key(item))).map((item) => `${describe(item)}: ${IN_SCHEMA}, missing from the database`),
    ...actual.filter((item) => !expectedKeys.has(key(item))).map((item) => `${describe(item)}: ${IN_DB}, not in schema.prisma`),
  ];
}

/** Every way `actual` (the database) differs from `expected` (schema.prisma); empty when they agree. */
export function diffSchemas(expected: SchemaShape, actual: SchemaShape): string[] {
  const differences: string[] = [];

  for (const name of union(Object.keys(expected.enums), Object.keys(actual.enums))) {
    const want = expected.enums[name];
    const have = actual.enums[name];
    if (!want) differences.push(`enum "${name}": ${IN_DB}, not in schema.prisma`);
    else if (!have) differences.push(`enum "${name}": ${IN_SCHEMA}, missing from the database`);
    else if (want.join(",") !== have.join(",")) {
      const missing = want.filter((v) => !have.includes(v));
      const extra = have.filter((v) => !want.includes(v));
      const detail = [
        missing.length ? `missing from the database: ${missing.join(", ")}` : "",
        extra.length ? `only in the database: ${extra.join(", ")}` : "",
      ].filter(Boolean);
      differences.push(
        `enum "${name}": values [${want.join(", ")}] ${IN_SCHEMA}, [${have.join(", ")}] ${IN_DB}` +
          (detail.length ? ` (${detail.join("; ")})` : " (order differs)"),
      );
    }
  }

  for (const tableName of union(Object.keys(expected.tables), Object.keys(actual.tables))) {
    const want = expected.tables[tableName];
    const have = actual.tables[tableName];
    if (!want) {
      differences.push(`table "${tableName}": ${IN_DB}, not in schema.prisma`);
      continue;
    }
    if (!have) {
      differences.push(`table "${tableName}": ${IN_SCHEMA}, missing from the database`);
      continue;
    }

    for (const columnName of union(Object.keys(want.columns), Object.keys(have.columns))) {
      const label = `column "${tableName}"."${columnName}"`;
      const w = want.columns[columnName];
      const h = have.columns[columnName];
      if (!w) {
        if (h && h.default !== "generated") differences.push(`${label}: ${IN_DB}, not in schema.prisma`);
        continue;
      }
      if (!h) {
        differences.push(`${label}: ${IN_SCHEMA}, missing from the database`);
        continue;
      }
      if (w.type !== h.type) differences.push(`${label}: type ${w.type} ${IN_SCHEMA}, ${h.type} ${IN_DB}`);
      if (w.nullable !== h.nullable) {
        const say = (nullable: boolean) => (nullable ? "nullable" : "NOT NULL");
        differences.push(`${label}: ${say(w.nullable)} ${IN_SCHEMA}, ${say(h.nullable)} ${IN_DB}`);
      }
      if (w.default !== h.default && h.default !== "generated") {
        const say = (kind: DefaultKind) =>
          kind === "none" ? "no default" : kind === "sequence" ? "an autoincrement (sequence) default" : "a default";
        differences.push(`${label}: ${say(w.default)} ${IN_SCHEMA}, ${say(h.default)} ${IN_DB}`);
      }
    }

    if (want.primaryKey.join(",") !== have.primaryKey.join(",")) {
      differences.push(
        `primary key of "${tableName}": (${want.primaryKey.join(", ")}) ${IN_SCHEMA}, (${have.primaryKey.join(", ")}) ${IN_DB}`,
      );
    }

    const indexKey = (index: IndexShape) => `${index.columns.join(",")}|${index.method}`;
    differences.push(
      ...oneSided(want.uniques, have.uniques, indexKey, (index) => `unique ${indexLabel(tableName, index)}`),
      ...oneSided(want.indexes, have.indexes, indexKey, (index) => `index ${indexLabel(tableName, index)}`),
    );

    // Matched by columns and target so that a changed action reads as a change, not as one missing and one extra key.
    const fkKey = (fk: ForeignKeyShape) => `${fk.columns.join(",")}>${fk.referencedTable}(${fk.referencedColumns.join(",")})`;
    differences.push(...oneSided(want.foreignKeys, have.foreignKeys, fkKey, (fk) => fkLabel(tableName, fk)));
    for (const w of want.foreignKeys) {
      const h = have.foreignKeys.find((fk) => fkKey(fk) === fkKey(w));
      if (!h) continue;
      if (w.onDelete !== h.onDelete) {
        differences.push(`${fkLabel(tableName, w)}: ON DELETE ${w.onDelete} ${IN_SCHEMA}, ON DELETE ${h.onDelete} ${IN_DB}`);
      }
      if (w.onUpdate !== h.onUpdate) {
        differences.push(`${fkLabel(tableName, w)}: ON UPDATE ${w.onUpdate} ${IN_SCHEMA}, ON UPDATE ${h.onUpdate} ${IN_DB}`);
      }
    }
  }
  return differences;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
