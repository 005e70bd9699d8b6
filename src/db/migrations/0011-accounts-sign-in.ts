import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// People over HTTP: passwords and sign-in times on users, an id and an update time on
// memberships (the members API names a membership by UUID), sessions, and organization invites.
//   users.password        argon2id PHC string; null: the user has no password (cannot sign in)
//   users.email_key       the email lowercased by the server, for case-insensitive lookups that
//                         agree on both engines (SQLite's lower() folds ASCII only)
//   sessions              one row per signed-in browser; the cookie holds a random id, the row only
//                         its SHA-256 (id_hash), so a database dump signs no one in
//   organization_invites  pending invites; a used or revoked invite is deleted
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const pg = engine === 'postgres';
  const uuid = pg ? sql`uuid` : sql`text`;
  const timestamp = pg ? sql`timestamptz` : sql`text`;

  await sql`alter table users add column password text`.execute(db);
  await sql`alter table users add column last_login ${timestamp}`.execute(db);
  await sql`alter table users add column email_key text`.execute(db);
  await sql`update users set email_key = lower(email)`.execute(db);
  await sql`create index users_lower_email on users (email_key)`.execute(db);

  await sql`alter table memberships add column id ${uuid}`.execute(db);
  await sql`alter table memberships add column updated_at ${timestamp}`.execute(db);
  if (pg) {
    await sql`update memberships set id = gen_random_uuid(), updated_at = joined_at`.execute(db);
    await sql`alter table memberships alter column id set not null`.execute(db);
    await sql`alter table memberships alter column updated_at set not null`.execute(db);
  } else {
    // A version 4 UUID from SQLite's random bytes (SQLite has no UUID function).
    await sql`update memberships set updated_at = joined_at, id =
      lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
      substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
      substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))`.execute(db);
  }
  await sql`create unique index memberships_id on memberships (id)`.execute(db);

  await sql`create table sessions (
    id_hash text primary key,
    user_id integer not null references users(id) on delete cascade,
    created_at ${timestamp} not null,
    authenticated_at ${timestamp} not null,
    expires_at ${timestamp} not null
  )`.execute(db);
  await sql`create index sessions_user on sessions (user_id)`.execute(db);
  await sql`create index sessions_expires on sessions (expires_at)`.execute(db);

  await sql`create table organization_invites (
    id ${uuid} primary key,
    organization_id ${uuid} not null references organizations(id) on delete cascade,
    target_email text not null,
    first_name text not null default '',
    level integer not null,
    created_by_id integer references users(id) on delete set null,
    created_at ${timestamp} not null,
    updated_at ${timestamp} not null
  )`.execute(db);
  await sql`create index organization_invites_organization on organization_invites (organization_id, created_at)`.execute(
    db,
  );
}
