// Contacts as the app holds them: written by an HQ record store, delivered as one snapshot into
// a device store with the device's own schema (deviceMigrations(): the search index the app
// really queries). bench_ui and bench_store measure the app's contact list and search on it.
#pragma once

#include "benchcheck.h"
#include "clock/clock.h"
#include "crypto/crypto.h"
#include "model/recordstore.h"
#include "store/database.h"

#include <functional>
#include <memory>
#include <vector>

namespace liaison::bench {

inline constexpr const char *kContactScope = "post:bench";

// A new SQLCipher store under a random key.
inline std::unique_ptr<store::Database> openStore(const QString &path,
                                                  std::vector<store::Migration> migrations)
{
    store::OpenOptions o;
    o.create = true;
    o.migrations = std::move(migrations);
    return must(store::Database::open(path, crypto::SecretBytes::random(32), o), "open store");
}

// `count` contacts, the i-th with fields(i), written by HQ and held by a device store over
// devDb (a store with the device's schema).
inline std::unique_ptr<model::RecordStore>
holdContacts(store::Database &hqDb, store::Database &devDb, liaison::Clock &clock, int count,
             const std::function<model::FieldMap(int)> &fields)
{
    model::RecordStore hq(hqDb, clock, crypto::randomFixed<crypto::Id16>(), model::ReplicaRole::Hq);
    must(hq.open(), "HQ records");
    must(hqDb.begin(), "begin");
    for (int i = 0; i < count; ++i)
        must(hq.create(model::RecordType::Contact, QString::fromLatin1(kContactScope), fields(i)),
             "create");
    must(hqDb.commit(), "commit");
    auto pending = must(hq.pendingOutbox(count + 10), "outbox");
    std::vector<model::Operation> ops;
    ops.reserve(pending.size());
    for (auto &e : pending)
        ops.push_back(std::move(e.op));
    auto dev = std::make_unique<model::RecordStore>(
        devDb, clock, crypto::randomFixed<crypto::Id16>(), model::ReplicaRole::Device);
    must(dev->open(), "device records");
    must(devDb.begin(), "begin");
    must(dev->resetToSnapshot({QString::fromLatin1(kContactScope)}, ops), "snapshot");
    must(devDb.commit(), "commit");
    if (must(dev->recordCount(), "count") != count)
        die("record count");
    return dev;
}

} // namespace liaison::bench
