import { type Kysely, sql } from 'kysely';

// Both engines: users.email_key (the email lowercased by the server) gets a unique index in place
// of the plain one of 0011, so that the database itself refuses a second account whose email
// differs only in case; the server's check before a write cannot see a concurrent write.
// Accounts that already collide are named in the error rather than left to the driver's
// "duplicate key" message, which names one key and no way out.

/** Collisions listed in the error; the query it gives finds the rest. */
const LISTED_GROUPS = 20;

interface Colliding {
  id: number | string;
  email: string;
  email_key: string;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<Colliding>`select id, email, email_key from users
    where email_key in (select email_key from users where email_key is not null group by email_key having count(*) > 1)
    order by email_key, id`.execute(db);
  if (rows.length > 0) throw new Error(collisionMessage(rows));
  await sql`drop index users_lower_email`.execute(db);
  await sql`create unique index users_email_key_unique on users (email_key)`.execute(db);
}

function collisionMessage(rows: Colliding[]): string {
  const groups = new Map<string, Colliding[]>();
  for (const row of rows) groups.set(row.email_key, [...(groups.get(row.email_key) ?? []), row]);
  const listed = [...groups.values()]
    .slice(0, LISTED_GROUPS)
    .map((group) => group.map((user) => `${JSON.stringify(user.email)} (user id ${user.id})`).join(', '));
  const more =
    groups.size > LISTED_GROUPS
      ? `; and ${groups.size - LISTED_GROUPS} more groups (list them with: select id, email from users where ` +
        `email_key in (select email_key from users group by email_key having count(*) > 1) order by email_key, id)`
      : '';
  return (
    `Migration 0013-unique-user-emails cannot make emails unique regardless of case: ` +
    `these users' emails differ only in case: ${listed.join('; ')}${more}. ` +
    `Keep one user of each group and give every other one a different email, setting email_key to ` +
    `the new email in lower case (update users set email = 'new@example.com', email_key = ` +
    `'new@example.com' where id = …), or delete the users no longer needed; ` +
    `then migrate again (notebooks migrate, or start the server).`
  );
}
