#include "device/devicesettings.h"

#include "vault/keyfile.h"

#include <algorithm>

namespace liaison::device {

Status createSettingsTables(store::Database &db)
{
    if (auto s = db.execute("CREATE TABLE app_policy (id INTEGER PRIMARY KEY CHECK (id = 1), "
                            "auto_lock_s INTEGER NOT NULL, erase_after INTEGER NOT NULL, "
                            "version INTEGER NOT NULL)");
        !s)
        return s;
    return db.execute("CREATE TABLE app_setting (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
}

Result<std::optional<protocol::PolicyPayload>> loadHqPolicy(store::Database &db)
{
    auto st = db.prepare("SELECT auto_lock_s, erase_after, version FROM app_policy WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<protocol::PolicyPayload>();
    protocol::PolicyPayload p;
    p.autoLockSeconds = std::uint32_t(st->columnInt64(0));
    p.eraseAfter = std::uint32_t(st->columnInt64(1));
    p.version = std::uint64_t(st->columnInt64(2));
    return std::optional<protocol::PolicyPayload>(p);
}

Result<bool> saveHqPolicy(store::Database &db, const protocol::PolicyPayload &policy)
{
    auto saved = loadHqPolicy(db);
    if (!saved)
        return std::unexpected(saved.error());
    if (*saved && (*saved)->version > policy.version)
        return false;
    auto st = db.prepare("INSERT OR REPLACE INTO app_policy (id, auto_lock_s, erase_after, "
                         "version) VALUES (1, ?1, ?2, ?3)");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, qint64(policy.autoLockSeconds))
                     .bind(2, qint64(policy.eraseAfter))
                     .bind(3, qint64(policy.version))
                     .exec();
        !s)
        return std::unexpected(s.error());
    return true;
}

namespace {
// One row of app_setting by its (constant) name.
Result<std::optional<qint64>> loadSetting(store::Database &db, const char *sql)
{
    auto st = db.prepare(sql);
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<qint64>();
    return std::optional<qint64>(st->columnInt64(0));
}

Status saveSetting(store::Database &db, const char *sql, qint64 value)
{
    auto st = db.prepare(sql);
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, value).exec();
}
} // namespace

Result<std::optional<int>> loadAutoLockSetting(store::Database &db)
{
    auto v = loadSetting(db, "SELECT value FROM app_setting WHERE name = 'auto_lock_s'");
    if (!v)
        return std::unexpected(v.error());
    return *v ? std::optional<int>(int(**v)) : std::optional<int>();
}

Status saveAutoLockSetting(store::Database &db, int seconds)
{
    return saveSetting(
        db, "INSERT OR REPLACE INTO app_setting (name, value) VALUES ('auto_lock_s', ?1)",
        seconds);
}

Result<std::optional<qint64>> loadLastSyncedMs(store::Database &db)
{
    return loadSetting(db, "SELECT value FROM app_setting WHERE name = 'last_synced_ms'");
}

Status saveLastSyncedMs(store::Database &db, qint64 ms)
{
    return saveSetting(
        db, "INSERT OR REPLACE INTO app_setting (name, value) VALUES ('last_synced_ms', ?1)", ms);
}

std::optional<std::uint16_t> policyEraseAfter(const std::optional<protocol::PolicyPayload> &policy)
{
    if (!policy)
        return std::nullopt;
    const std::uint32_t n = policy->eraseAfter;
    if (n == 0)
        return std::uint16_t(0);
    return std::uint16_t(
        std::clamp<std::uint32_t>(n, vault::kEraseAfterMin, vault::kEraseAfterMax));
}

qint64 effectiveAutoLockMs(std::optional<int> chosenSeconds, qint64 fallbackMs,
                           const std::optional<protocol::PolicyPayload> &policy)
{
    qint64 ms = chosenSeconds ? qint64(*chosenSeconds) * 1000 : fallbackMs;
    if (policy && policy->autoLockSeconds > 0)
        ms = std::min<qint64>(ms, qint64(policy->autoLockSeconds) * 1000);
    return ms;
}

} // namespace liaison::device
