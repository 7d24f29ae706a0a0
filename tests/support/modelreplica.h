#pragma once

// Header-only test fixture: a RecordStore over a fresh SQLCipher database in a temporary
// directory, with a ManualClock. Used by the model, HQ and convergence tests.

#include "crypto/crypto.h"
#include "clock/clock.h"
#include "model/recordstore.h"
#include "store/database.h"

#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace liaison::test {

inline crypto::Id16 idOf(std::uint8_t b)
{
    crypto::Id16 id;
    id.bytes.fill(b);
    return id;
}

struct ModelReplica
{
    crypto::Id16 id;
    model::ReplicaRole role = model::ReplicaRole::Device;
    liaison::ManualClock clock;
    QString path;
    crypto::SecretBytes key;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<model::RecordStore> records;

    // Opens (creating if needed) <dir>/<name>.db with the records schema plus `extra` migrations.
    [[nodiscard]] Status open(const QString &dir, const QString &name, const crypto::Id16 &self,
                              model::ReplicaRole r, const std::vector<store::Migration> &extra = {})
    {
        id = self;
        role = r;
        path = dir + QLatin1Char('/') + name + QStringLiteral(".db");
        if (key.empty())
            key = crypto::SecretBytes::random(32);
        return reopen(extra);
    }

    [[nodiscard]] Status reopen(const std::vector<store::Migration> &extra = {})
    {
        records.reset();
        db.reset();
        store::OpenOptions options;
        options.create = true;
        options.synchronousFull = false;
        options.migrations = model::RecordStore::migrations();
        options.migrations.insert(options.migrations.end(), extra.begin(), extra.end());
        auto opened = store::Database::open(path, key, options);
        if (!opened)
            return std::unexpected(opened.error());
        db = std::move(*opened);
        records = std::make_unique<model::RecordStore>(*db, clock, id, role);
        return records->open();
    }

    [[nodiscard]] QByteArray dump(const QStringList &scopes) const
    {
        auto d = records->canonicalDump(scopes);
        return d ? *d : QByteArray("<dump failed: ") + d.error().message.toUtf8() + '>';
    }
};

} // namespace liaison::test
