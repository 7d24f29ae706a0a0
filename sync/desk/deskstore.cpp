#include "desk/deskstore.h"

#include "desk/deskactivity.h"
#include "desk/deskpolicy.h"
#include "desk/enrolment.h"
#include "desk/remotewipe.h"
#include "model/records.h"
#include "streams/streamschema.h"

#include <QDir>

namespace liaison::desk {

namespace {

Status createConfigTable(store::Database &db)
{
    return db.execute("CREATE TABLE desk_config (id INTEGER PRIMARY KEY CHECK (id = 1), "
                      "deployment_id BLOB NOT NULL, origin_id BLOB NOT NULL, "
                      "root_pk BLOB NOT NULL, admin_sk BLOB NOT NULL, relay_url TEXT NOT NULL, "
                      "relay_pins TEXT NOT NULL, created_ms INTEGER NOT NULL, cert BLOB, "
                      "cert_serial INTEGER NOT NULL DEFAULT 0)");
}

Status createScopeTable(store::Database &db)
{
    return db.execute("CREATE TABLE desk_scope (name TEXT PRIMARY KEY, title TEXT NOT NULL, "
                      "created_ms INTEGER NOT NULL)");
}

Status createAuditTable(store::Database &db)
{
    if (auto s = db.execute("CREATE TABLE desk_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                            "at_ms INTEGER NOT NULL, officer TEXT NOT NULL, action TEXT NOT NULL, "
                            "target TEXT NOT NULL, detail TEXT NOT NULL)");
        !s)
        return s;
    return db.execute("CREATE INDEX desk_audit_at ON desk_audit (at_ms)");
}

Status createImportKeyTable(store::Database &db)
{
    return db.execute("CREATE TABLE desk_import_key (source_key TEXT PRIMARY KEY, "
                      "record_id BLOB NOT NULL)");
}

// The layers' schemas, numbered by PRAGMA user_version (records, streams, HQ registry).
std::vector<store::Migration> layerMigrations()
{
    std::vector<store::Migration> m = model::RecordStore::migrations();
    for (auto &x : streams::streamMigrations())
        m.push_back(std::move(x));
    for (auto &x : hq::DeviceRegistry::migrations())
        m.push_back(std::move(x));
    m.push_back(streams::streamLaneMigration()); // priority lanes (streamschema.h)
    return m;
}

// The desk's own tables are numbered by a version of their own (desk_schema), not by
// user_version: a migration appended to a lower layer must not shift them (a store made before
// it would run "CREATE TABLE desk_audit" again). Only ever append here.
const std::vector<store::Migration> &deskMigrations()
{
    static const std::vector<store::Migration> m = {
        createConfigTable, createScopeTable,    createAuditTable,     createImportKeyTable,
        createWipeTable,   createAlarmAckTable, createEnrolmentTable, addEnrolmentReplacesColumn,
        createPolicyTable};
    return m;
}

Status migrateDesk(store::Database &db)
{
    if (auto s = db.execute("CREATE TABLE IF NOT EXISTS desk_schema (id INTEGER PRIMARY KEY "
                            "CHECK (id = 1), version INTEGER NOT NULL)");
        !s)
        return s;
    auto version = db.queryInt64("SELECT version FROM desk_schema WHERE id = 1");
    qint64 current = 0;
    if (version)
        current = *version;
    else if (version.error().code != Errc::NotFound)
        return std::unexpected(version.error());
    const auto &all = deskMigrations();
    if (current > qint64(all.size()))
        return fail(Errc::SchemaTooNew,
                    QStringLiteral("the desk store was written by a newer liaison-hq"));
    for (qint64 v = current; v < qint64(all.size()); ++v) {
        store::Transaction tx(db);
        if (auto s = tx.begin(); !s)
            return s;
        if (auto s = all[std::size_t(v)](db); !s)
            return s;
        auto st = db.prepare("INSERT OR REPLACE INTO desk_schema (id, version) VALUES (1, ?1)");
        if (!st)
            return std::unexpected(st.error());
        if (auto s = st->bind(1, v + 1).exec(); !s)
            return s;
        if (auto s = tx.commit(); !s)
            return s;
    }
    return {};
}

// Store binds a null QString as NULL; the desk's text columns are NOT NULL.
QString text(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

} // namespace

QString encodeRelayPins(const QStringList &pins)
{
    return text(pins.join(QLatin1Char('\n')));
}

QStringList decodeRelayPins(const QString &stored)
{
    return stored.isEmpty() ? QStringList() : stored.split(QLatin1Char('\n'));
}

QString DeskStore::vaultDir(const QString &storeDir)
{
    return QDir(storeDir).filePath(QStringLiteral("vault"));
}

bool DeskStore::exists(const QString &storeDir)
{
    return vault::Vault::exists(vaultDir(storeDir));
}

DeskStore::~DeskStore()
{
    m_fanout.reset();
    m_registry.reset();
    m_records.reset();
    if (m_vault)
        m_vault->lock();
}

Result<std::unique_ptr<DeskStore>>
DeskStore::create(const QString &storeDir, const crypto::SecretBytes &passphrase,
                  vault::KeyStore &keyStore, Clock &vaultClock, const Clock &clock,
                  const RootPublic &root, const QString &relayUrl, const QStringList &relayPins,
                  vault::VaultOptions options)
{
    if (exists(storeDir))
        return fail(Errc::AlreadyExists,
                    QStringLiteral("%1 already holds a desk store").arg(storeDir));
    options.database.migrations = layerMigrations();
    options.createIdentity = true;
    auto v = vault::Vault::create(vaultDir(storeDir), passphrase, keyStore, vaultClock, options);
    if (!v)
        return std::unexpected(v.error());
    std::unique_ptr<DeskStore> desk(new DeskStore(clock));
    desk->m_vault = std::move(*v);
    if (auto s = migrateDesk(desk->database()); !s)
        return std::unexpected(s.error());
    const crypto::Id16 origin = crypto::randomFixed<crypto::Id16>();
    const crypto::SignKeyPair admin = crypto::crypto_sign_keypair();
    const crypto::SecretBytes adminSecret = crypto::SecretBytes::copyOf(admin.secretKey.view());
    auto st = desk->database().prepare(
        "INSERT INTO desk_config (id, deployment_id, origin_id, root_pk, admin_sk, relay_url, "
        "relay_pins, created_ms) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, root.deployment.view())
                     .bind(2, origin.view())
                     .bind(3, root.rootKey.view())
                     .bind(4, adminSecret)
                     .bind(5, text(relayUrl))
                     .bind(6, encodeRelayPins(relayPins))
                     .bind(7, qint64(clock.wallMs()))
                     .exec();
        !s)
        return std::unexpected(s.error());
    if (auto s = desk->loadConfig(); !s)
        return std::unexpected(s.error());
    if (auto s = desk->openLayers(); !s)
        return std::unexpected(s.error());
    return desk;
}

Result<std::unique_ptr<DeskStore>> DeskStore::open(const QString &storeDir,
                                                   const crypto::SecretBytes &passphrase,
                                                   vault::KeyStore &keyStore, Clock &vaultClock,
                                                   const Clock &clock, vault::VaultOptions options)
{
    if (!exists(storeDir))
        return fail(Errc::NotFound, QStringLiteral("no desk store in %1").arg(storeDir));
    options.database.migrations = layerMigrations();
    auto v = vault::Vault::load(vaultDir(storeDir), keyStore, vaultClock, options);
    if (!v)
        return std::unexpected(v.error());
    if (auto s = (*v)->unlock(passphrase); !s)
        return std::unexpected(s.error());
    std::unique_ptr<DeskStore> desk(new DeskStore(clock));
    desk->m_vault = std::move(*v);
    if (auto s = migrateDesk(desk->database()); !s)
        return std::unexpected(s.error());
    if (auto s = desk->loadConfig(); !s)
        return std::unexpected(s.error());
    if (auto s = desk->openLayers(); !s)
        return std::unexpected(s.error());
    return desk;
}

Status DeskStore::loadConfig()
{
    if (!m_vault->identity())
        return fail(Errc::NotFound, QStringLiteral("the desk store has no identity keys"));
    auto st = database().prepare("SELECT deployment_id, origin_id, root_pk, admin_sk, relay_url, "
                                 "relay_pins, created_ms, cert FROM desk_config WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return fail(Errc::NotFound, QStringLiteral("this is not a desk store"));
    auto deployment = crypto::Id16::fromBytes(st->columnBlob(0));
    auto origin = crypto::Id16::fromBytes(st->columnBlob(1));
    auto root = crypto::SignPublicKey::fromBytes(st->columnBlob(2));
    crypto::SecretBytes adminSecret = st->columnSecret(3);
    if (!deployment || !origin || !root || adminSecret.size() != crypto::SignSecretKey::size)
        return fail(Errc::Tampered, QStringLiteral("the desk store's configuration is damaged"));
    auto admin =
        crypto::crypto_sign_keypair_from_secret(crypto::SignSecretKey(std::move(adminSecret)));
    if (!admin)
        return std::unexpected(admin.error());
    m_admin = std::move(*admin);
    m_config.deployment = *deployment;
    m_config.origin = *origin;
    m_config.rootKey = *root;
    m_config.relayUrl = st->columnText(4);
    const QString pins = st->columnText(5);
    m_config.relayPins = decodeRelayPins(pins);
    m_config.createdMs = st->columnInt64(6);
    auto previous = previousRelayPins(database());
    if (!previous)
        return std::unexpected(previous.error());
    m_config.previousRelayPins = *previous;
    m_config.certificate.reset();
    if (!st->columnIsNull(7)) {
        auto cert = protocol::HqCertificate::decode(st->columnBlob(7));
        if (!cert)
            return fail(Errc::Tampered, QStringLiteral("the desk's certificate is damaged"));
        m_config.certificate = *cert;
    }
    return {};
}

Status DeskStore::openLayers()
{
    store::Database &db = database();
    m_records =
        std::make_unique<model::RecordStore>(db, m_clock, m_config.origin, model::ReplicaRole::Hq);
    if (auto s = m_records->open(); !s)
        return s;
    m_registry = std::make_unique<hq::DeviceRegistry>(db);
    if (auto s = m_registry->open(); !s)
        return s;
    m_fanout = std::make_unique<hq::HqFanout>(*m_records, *m_registry);
    return {};
}

Result<protocol::HqCertificate> DeskStore::certificateTemplate(qint64 validityMs) const
{
    if (validityMs <= 0 || validityMs > protocol::kHqCertMaxValidityMs)
        return fail(Errc::InvalidArgument,
                    QStringLiteral("a certificate is valid for at most 13 months"));
    const qint64 now = m_clock.wallMs();
    protocol::HqCertificate c;
    c.deployment = m_config.deployment;
    c.serial = m_config.certificate ? m_config.certificate->serial + 1 : 1;
    c.notBeforeMs = now - 3600 * 1000;
    c.notAfterMs = c.notBeforeMs + validityMs;
    c.contentKey = m_vault->identity()->sign.publicKey;
    c.relayAdminKey = m_admin.publicKey;
    return c;
}

Status DeskStore::installCertificate(const protocol::HqCertificate &cert)
{
    if (auto s = protocol::verifyHqCertificate(cert, m_config.rootKey); !s)
        return fail(Errc::AuthFailed,
                    QStringLiteral("the certificate is not signed by this deployment's root key"));
    if (cert.deployment != m_config.deployment || cert.contentKey != identity().sign.publicKey ||
        cert.relayAdminKey != m_admin.publicKey)
        return fail(Errc::Refused,
                    QStringLiteral("the certificate names another deployment or other keys"));
    if (m_config.certificate && cert.serial <= m_config.certificate->serial)
        return fail(Errc::Refused, QStringLiteral("the certificate's serial %1 is not above the "
                                                  "current %2")
                                       .arg(cert.serial)
                                       .arg(m_config.certificate->serial));
    auto st = database().prepare("UPDATE desk_config SET cert = ?1, cert_serial = ?2 WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, cert.encode()).bind(2, qint64(cert.serial)).exec(); !s)
        return s;
    m_config.certificate = cert;
    return {};
}

Status DeskStore::addScope(const QString &name, const QString &title)
{
    if (!model::isValidScope(name))
        return fail(Errc::InvalidArgument,
                    QStringLiteral("\"%1\" is not a scope name (kind:name, lower-case letters, "
                                   "digits and .-_ after the colon, at most 64 characters)")
                        .arg(name));
    auto has = hasScope(name);
    if (!has)
        return std::unexpected(has.error());
    if (*has)
        return fail(Errc::AlreadyExists, QStringLiteral("scope %1 exists").arg(name));
    auto st =
        database().prepare("INSERT INTO desk_scope (name, title, created_ms) VALUES (?1, ?2, ?3)");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, name).bind(2, text(title)).bind(3, qint64(m_clock.wallMs())).exec();
}

Result<QList<ScopeInfo>> DeskStore::scopes() const
{
    auto st = m_vault->database()->prepare(
        "SELECT name, title, created_ms FROM desk_scope ORDER BY name");
    if (!st)
        return std::unexpected(st.error());
    QList<ScopeInfo> out;
    for (;;) {
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        out.append({st->columnText(0), st->columnText(1), st->columnInt64(2)});
    }
    return out;
}

Result<bool> DeskStore::hasScope(const QString &name) const
{
    auto st = m_vault->database()->prepare("SELECT 1 FROM desk_scope WHERE name = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, name);
    return st->step();
}

Status DeskStore::audit(const QString &action, const QString &target, const QString &detail)
{
    auto st = database().prepare("INSERT INTO desk_audit (at_ms, officer, action, target, detail) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, qint64(m_clock.wallMs()))
        .bind(2, text(m_officer))
        .bind(3, text(action))
        .bind(4, text(target))
        .bind(5, text(detail))
        .exec();
}

Result<QList<AuditEntry>> DeskStore::auditLog(const AuditFilter &filter) const
{
    // The prefix match is done here, not with LIKE, so no character of the filter is special.
    auto st = m_vault->database()->prepare(
        "SELECT id, at_ms, officer, action, target, detail FROM desk_audit WHERE at_ms >= ?1 "
        "ORDER BY id DESC");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, filter.sinceMs);
    QList<AuditEntry> out;
    while (out.size() < filter.limit) {
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        AuditEntry e{st->columnInt64(0), st->columnInt64(1), st->columnText(2),
                     st->columnText(3),  st->columnText(4),  st->columnText(5)};
        if (!filter.action.isEmpty() && e.action != filter.action &&
            !e.action.startsWith(filter.action + QLatin1Char('.')))
            continue;
        out.append(std::move(e));
    }
    return out;
}

Result<std::optional<model::RecordId>> DeskStore::importedRecord(const QString &key) const
{
    auto st =
        m_vault->database()->prepare("SELECT record_id FROM desk_import_key WHERE source_key = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, key);
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<model::RecordId>();
    auto id = model::RecordId::fromBytes(st->columnBlob(0));
    if (!id)
        return fail(Errc::Tampered, QStringLiteral("the desk's import table is damaged"));
    return std::optional<model::RecordId>(*id);
}

Status DeskStore::setImportedRecord(const QString &key, const model::RecordId &id)
{
    auto st = database().prepare(
        "INSERT OR REPLACE INTO desk_import_key (source_key, record_id) VALUES (?1, ?2)");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, key).bind(2, id.view()).exec();
}

} // namespace liaison::desk
