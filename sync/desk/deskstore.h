#pragma once

// The HQ desk's store (DESIGN.md "Keys" (HQ), "Enrolment", "Data"): the encrypted store that
// `liaison-hq` opens for every command. A vault (sync/vault) whose identity is HQ's
// content-signing key and box key, holding the records, the device registry and the streams,
// and the desk's own tables:
//
//  desk_config      deployment id, HQ's record origin id, root PUBLIC key, relay-admin secret key,
//                   relay URL and TLS pins, the current root-signed certificate and its serial
//  desk_scope       the scopes the desk declared (records and devices name only these)
//  desk_audit       every desk action: who, when, what (ids and counts, never record content)
//  desk_import_key  the stable key of an imported source row -> the record it made, so that
//                   importing the same file twice changes nothing
//
// The root SECRET key is never here: it lives offline in its own file (desk/rootkeyfile.h) and is
// opened only to sign a certificate (`cert issue`).

#include "clock/clock.h"
#include "crypto/crypto.h"
#include "desk/rootkeyfile.h"
#include "error.h"
#include "hq/deviceregistry.h"
#include "hq/hqfanout.h"
#include "model/recordstore.h"
#include "protocol/hqcert.h"
#include "vault/vault.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace liaison::desk {

struct DeskConfig
{
    crypto::Id16 deployment;
    crypto::Id16 origin; // HQ's record stamps
    crypto::SignPublicKey rootKey;
    QString relayUrl;
    QStringList relayPins;
    QStringList previousRelayPins; // the set before the last rollover: the desk still accepts it
                                   // (deskpolicy.h)
    qint64 createdMs = 0;
    std::optional<protocol::HqCertificate> certificate; // the newest one installed
};

struct AuditEntry
{
    qint64 id = 0;
    qint64 atMs = 0;
    QString officer;
    QString action; // "contact.add", "scope.add", "cert.issue", ...
    QString target; // an id or name, may be empty
    QString detail; // counts and options; never record content or secrets
};

struct ScopeInfo
{
    QString name;
    QString title;
    qint64 createdMs = 0;
};

// The desk keeps a set of relay pins as one text column: the pins' text forms, one a line.
[[nodiscard]] QString encodeRelayPins(const QStringList &pins);
[[nodiscard]] QStringList decodeRelayPins(const QString &stored);

class DeskStore
{
public:
    // The vault's directory inside a store directory (beside keystore/).
    [[nodiscard]] static QString vaultDir(const QString &storeDir);
    [[nodiscard]] static bool exists(const QString &storeDir);
    // A new desk store with fresh content-signing, box and relay-admin keys. `keyStore`,
    // `vaultClock` and `clock` must outlive the object.
    [[nodiscard]] static Result<std::unique_ptr<DeskStore>>
    create(const QString &storeDir, const crypto::SecretBytes &passphrase,
           vault::KeyStore &keyStore, Clock &vaultClock, const Clock &clock, const RootPublic &root,
           const QString &relayUrl, const QStringList &relayPins, vault::VaultOptions options = {});
    [[nodiscard]] static Result<std::unique_ptr<DeskStore>>
    open(const QString &storeDir, const crypto::SecretBytes &passphrase, vault::KeyStore &keyStore,
         Clock &vaultClock, const Clock &clock, vault::VaultOptions options = {});
    ~DeskStore();
    DeskStore(const DeskStore &) = delete;
    DeskStore &operator=(const DeskStore &) = delete;

    // Who the audit names for the actions of this session (the desk officer's name or login).
    void setOfficer(const QString &officer) { m_officer = officer; }
    [[nodiscard]] const QString &officer() const { return m_officer; }

    [[nodiscard]] const DeskConfig &config() const { return m_config; }
    // Reads desk_config again (after a change committed by another desk layer).
    [[nodiscard]] Status reloadConfig() { return loadConfig(); }
    [[nodiscard]] const vault::Identity &identity() const { return *m_vault->identity(); }
    [[nodiscard]] const crypto::SignPublicKey &relayAdminPublicKey() const
    {
        return m_admin.publicKey;
    }
    [[nodiscard]] const crypto::SignSecretKey &relayAdminSecretKey() const
    {
        return m_admin.secretKey;
    }
    [[nodiscard]] store::Database &database() { return *m_vault->database(); }
    [[nodiscard]] model::RecordStore &records() { return *m_records; }
    [[nodiscard]] hq::DeviceRegistry &registry() { return *m_registry; }
    [[nodiscard]] hq::HqFanout &fanout() { return *m_fanout; }
    [[nodiscard]] const Clock &clock() const { return m_clock; }
    [[nodiscard]] QString keyStoreDescription() const { return m_vault->keyStoreDescription(); }

    // ---- certificate ----
    // The next certificate to sign: this deployment, serial one above the current, the desk's
    // content-signing and relay-admin keys, valid from an hour ago for `validityMs` (<= 13
    // months). Unsigned.
    [[nodiscard]] Result<protocol::HqCertificate> certificateTemplate(qint64 validityMs) const;
    // Keeps a root-signed certificate: it must verify under the store's root key, name this
    // deployment and the desk's keys, and have a serial above the current one.
    [[nodiscard]] Status installCertificate(const protocol::HqCertificate &cert);

    // ---- scopes ----
    // AlreadyExists when declared; InvalidArgument when the name breaks model::isValidScope.
    [[nodiscard]] Status addScope(const QString &name, const QString &title);
    [[nodiscard]] Result<QList<ScopeInfo>> scopes() const;
    [[nodiscard]] Result<bool> hasScope(const QString &name) const;

    // ---- audit (written in the caller's transaction when one is open) ----
    [[nodiscard]] Status audit(const QString &action, const QString &target = {},
                               const QString &detail = {});
    struct AuditFilter
    {
        QString action; // prefix, e.g. "contact" or "contact.import"
        qint64 sinceMs = 0;
        int limit = 1000; // newest first
    };
    [[nodiscard]] Result<QList<AuditEntry>> auditLog(const AuditFilter &filter) const;

    // ---- import keys ----
    [[nodiscard]] Result<std::optional<model::RecordId>> importedRecord(const QString &key) const;
    [[nodiscard]] Status setImportedRecord(const QString &key, const model::RecordId &id);

private:
    DeskStore(const Clock &clock)
        : m_clock(clock)
    {}
    [[nodiscard]] Status loadConfig();
    [[nodiscard]] Status openLayers();

    const Clock &m_clock;
    std::unique_ptr<vault::Vault> m_vault;
    DeskConfig m_config;
    crypto::SignKeyPair m_admin;
    QString m_officer;
    std::unique_ptr<model::RecordStore> m_records;
    std::unique_ptr<hq::DeviceRegistry> m_registry;
    std::unique_ptr<hq::HqFanout> m_fanout;
};

} // namespace liaison::desk
