/**
 * The PostgreSQL variant of prisma/schema.prisma. The SQLite schema is the one source: the models are the
 * same on both providers (strings, integers, dates, unique constraints), only the datasource's provider and
 * the generated client's directory differ. Prisma's client with engineType "client" compiles queries for
 * one provider, so each provider has its own generated client (see database.ts).
 * prisma/postgresql/schema.prisma is written from this by `npm run generate:schemas`; a unit test fails
 * when the committed file has drifted from the source.
 */
const header = `// GENERATED from prisma/schema.prisma by \`npm run generate:schemas\` (apps/web): edit that file, not this one.
`;

const replaceOnce = ({ text, from, to }: { text: string; from: RegExp; to: string }) => {
  if (!from.test(text))
    throw new Error(`prisma/schema.prisma: expected ${from} (the PostgreSQL variant depends on it)`);
  return text.replace(from, to);
};

/** The PostgreSQL schema for the SQLite `source` (its generator output one directory deeper, beside the other client). */
export const toPostgresSchema = ({ source }: { source: string }) => {
  const provider = replaceOnce({
    text: source,
    from: /provider = "sqlite"/,
    to: 'provider = "postgresql"',
  });
  const output = replaceOnce({
    text: provider,
    from: /output(\s+)= "\.\.\/apps\/web\/src\/generated\/prisma"/,
    to: 'output$1= "../../apps/web/src/generated/prisma-postgresql"',
  });
  return `${header}${output}`;
};
