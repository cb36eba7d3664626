import pg from 'pg';

/**
 * A service's database and its two roles: `owner` owns the database and every object the
 * migrations create (the migrator connects as it); `app` is what api and worker connect as, and
 * may only read and write rows.
 */
export interface DatabaseRoles {
  database: string;
  owner: string;
  app: string;
}

/** The naming convention: `<database>_owner` and `<database>_app`. */
export function serviceRoles(database: string): DatabaseRoles {
  return { database, owner: `${database}_owner`, app: `${database}_app` };
}

/** `databaseUrl` with another user (and password, or none), optionally another database. */
export function withRole(databaseUrl: string, role: string, options: { password?: string; database?: string } = {}): string {
  const url = new URL(databaseUrl);
  url.username = encodeURIComponent(role);
  url.password = options.password ? encodeURIComponent(options.password) : '';
  if (options.database !== undefined) url.pathname = `/${encodeURIComponent(options.database)}`;
  return url.toString();
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const BOOTSTRAP_LOCK_KEY = 0x626f6f74; // "boot"

/**
 * With a superuser (`adminUrl`, on the server's maintenance database): creates the owner and
 * app roles (LOGIN and nothing more) and the database, owned by the owner, whichever are
 * missing. A database that exists under another owner (made before these roles) is handed to
 * the owner with everything in its public schema. Processes racing here take turns (an advisory
 * lock). Passwords apply only to roles it creates. Returns what it did.
 */
export async function bootstrapDatabase(adminUrl: string, roles: DatabaseRoles, passwords: { owner?: string; app?: string } = {}): Promise<string[]> {
  const done: string[] = [];
  await withClient(adminUrl, async (admin) => {
    await admin.query('select pg_advisory_lock($1)', [BOOTSTRAP_LOCK_KEY]);
    try {
      for (const [role, password] of [[roles.owner, passwords.owner], [roles.app, passwords.app]] as const) {
        const found = await admin.query('select 1 from pg_roles where rolname = $1', [role]);
        if (found.rowCount) continue;
        await admin.query(`create role ${ident(role)} login${password ? ` password ${literal(password)}` : ''}`);
        done.push(`created role ${role}`);
      }
      const { rows } = await admin.query<{ owner: string }>('select pg_get_userbyid(datdba) as owner from pg_database where datname = $1', [roles.database]);
      if (rows.length === 0) {
        await admin.query(`create database ${ident(roles.database)} owner ${ident(roles.owner)}`);
        done.push(`created database ${roles.database}`);
      } else if (rows[0]!.owner !== roles.owner) {
        await admin.query(`alter database ${ident(roles.database)} owner to ${ident(roles.owner)}`);
        await withClient(withDatabase(adminUrl, roles.database), (client) => client.query(adoptSchema(roles.owner)));
        done.push(`handed database ${roles.database} from ${rows[0]!.owner} to ${roles.owner}`);
      }
    } finally {
      await admin.query('select pg_advisory_unlock($1)', [BOOTSTRAP_LOCK_KEY]).catch(() => undefined);
    }
  });
  return done;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Gives `owner` every table, view, sequence and function of schema public it does not own yet. */
function adoptSchema(owner: string): string {
  const role = literal(owner);
  // A sequence that belongs to a column (serial, identity) follows its table and cannot be altered alone.
  return `do $adopt$
    declare stmt text;
    begin
      for stmt in
        select format('alter %s %s owner to %I',
          case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table' else 'table' end,
          c.oid::regclass, ${role})
        from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'S', 'v', 'm', 'f')
          and pg_get_userbyid(c.relowner) <> ${role}
          and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i'))
      loop execute stmt; end loop;
      for stmt in
        select format('alter routine %s owner to %I', p.oid::regprocedure, ${role})
        from pg_proc p where p.pronamespace = 'public'::regnamespace and pg_get_userbyid(p.proowner) <> ${role}
      loop execute stmt; end loop;
    end $adopt$`;
}

/**
 * Run by the owner after the migrations: gives `app` exactly what api and worker need, and takes
 * away anything else it had, in one transaction (running processes never see it without).
 * Functions: EXECUTE on the schema's own (PUBLIC has it too by default; a trigger runs with the
 * privileges of whoever fires it, so the outbox NOTIFY trigger works for the app).
 */
export async function grantAppPrivileges(client: pg.Client, roles: Pick<DatabaseRoles, 'database' | 'app'>): Promise<void> {
  const db = ident(roles.database);
  const app = ident(roles.app);
  const statements = [
    // what PUBLIC gets on every new database: any role could connect, and create temporary tables
    `revoke connect, temporary on database ${db} from public`,
    `revoke all on database ${db} from ${app}`,
    `grant connect on database ${db} to ${app}`,
    'revoke create on schema public from public', // PUBLIC had it before Postgres 15
    `revoke all on schema public from ${app}`,
    `grant usage on schema public to ${app}`,
    `revoke all on all tables in schema public from ${app}`,
    `grant select, insert, update, delete on all tables in schema public to ${app}`,
    `revoke all on knex_migrations, knex_migrations_lock from ${app}`, // the migrator's bookkeeping
    `revoke all on all sequences in schema public from ${app}`,
    `grant usage, select on all sequences in schema public to ${app}`,
    `grant execute on all functions in schema public to ${app}`,
    // tables, sequences and functions the owner creates later (by hand, or before the next run)
    `alter default privileges in schema public grant select, insert, update, delete on tables to ${app}`,
    `alter default privileges in schema public grant usage, select on sequences to ${app}`,
    `alter default privileges in schema public grant execute on functions to ${app}`,
  ];
  await client.query('begin');
  try {
    for (const sql of statements) await client.query(sql);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}
