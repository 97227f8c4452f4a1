// The official RavenDB Node.js client, unmodified, against one mock product. Reads a JSON config
// (argv[2]) written by tests/e2e/test_node_client.py and prints one JSON line per step, so the Python
// side asserts; a step that throws is reported with the error's name and message, never hidden.
import { readFileSync } from "node:fs";
import Zip from "./zip.mjs";
import {
  DocumentStore,
  CreateDatabaseOperation,
  GetCertificatesOperation,
  CreateClientCertificateOperation,
  GetServerWideBackupConfigurationsOperation,
  GetDatabaseNamesOperation,
} from "ravendb";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const ca = readFileSync(config.ca);

function report(step, fields) {
  process.stdout.write(JSON.stringify({ step, ...fields }) + "\n");
}

async function attempt(step, fn) {
  try {
    report(step, { ok: true, value: await fn() });
  } catch (err) {
    report(step, { ok: false, error: err.name, message: String(err.message).slice(0, 2000) });
  }
}

function open(database, certificate, type, password) {
  const store = new DocumentStore(config.urls, database, { certificate, type, password, ca });
  store.initialize();
  return store;
}

const operator = open(config.database, readFileSync(config.certificate), config.type, config.password);
try {
  await attempt("create-database", async () => {
    const result = await operator.maintenance.server.send(
      new CreateDatabaseOperation({ databaseName: config.database }));
    return result.name;
  });
  await attempt("database-names", () => operator.maintenance.server.send(new GetDatabaseNamesOperation(0, 100)));
  await attempt("store-and-load", async () => {
    const session = operator.openSession();
    await session.store({ name: "Ada", "@metadata": { "@collection": "People" } }, "people/1");
    await session.saveChanges();
    const loaded = await operator.openSession().load("people/1");
    return loaded.name;
  });
  await attempt("list-certificates", async () => {
    const certs = await operator.maintenance.server.send(new GetCertificatesOperation(0, 100));
    return certs.map((c) => c.name);
  });
  let readOnly = null;
  await attempt("create-read-only-user", async () => {
    const made = await operator.maintenance.server.send(new CreateClientCertificateOperation(
      config.userName, { [config.database]: "Read" }, "ValidUser"));
    readOnly = made.rawData;
    return readOnly.length;
  });
  if (readOnly) {
    const pfx = new Zip(readOnly).pfx();
    const user = open(config.database, pfx, "pfx");
    try {
      await attempt("read-only-user-loads", async () => (await user.openSession().load("people/1")).name);
      await attempt("read-only-user-writes", async () => {
        const session = user.openSession();
        await session.store({ name: "Eve", "@metadata": { "@collection": "People" } }, "people/2");
        await session.saveChanges();
        return "stored";
      });
    } finally {
      user.dispose();
    }
  }
  await attempt("operator-on-cluster-admin-route", () =>
    operator.maintenance.server.send(new GetServerWideBackupConfigurationsOperation()));
} finally {
  operator.dispose();
}
