#include "model/recordstore.h"
#include "errorforward.h"

#include <QCborArray>
#include <QCborStreamWriter>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcModel, "liaison.model")

namespace liaison::model {

using store::Database;
using store::Statement;

namespace {

// ---- schema ----

Status migration1(Database &db)
{
    return db.execute(R"sql(
CREATE TABLE rec_record (
    rid INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    type INTEGER NOT NULL,
    scope TEXT NOT NULL,
    owner BLOB,
    tombstone BLOB
);
CREATE INDEX rec_record_scope ON rec_record(scope, id);
CREATE TABLE rec_field (
    rid INTEGER NOT NULL REFERENCES rec_record(rid) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value BLOB NOT NULL,
    stamp BLOB NOT NULL,
    PRIMARY KEY (rid, name)
) WITHOUT ROWID;
CREATE TABLE rec_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record BLOB NOT NULL,
    scope TEXT NOT NULL,
    op BLOB NOT NULL
);
CREATE INDEX rec_outbox_scope ON rec_outbox(scope);
CREATE TABLE rec_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    ms INTEGER NOT NULL,
    counter INTEGER NOT NULL
);
INSERT INTO rec_clock(id, ms, counter) VALUES (1, 0, 0);
CREATE TABLE rec_scope (scope TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE rec_contact_fts USING fts4(name, organisation, role, country, tags,
                                                tokenize=unicode61);
)sql");
}

// DESIGN.md "Data", clock rule: the newest stamp observed from another replica (the floor of a
// poison reset), the lower bound of HQ time with the boot it was measured on, and whether HQ
// said the wall clock is ahead.
Status migration2(Database &db)
{
    return db.execute(R"sql(
ALTER TABLE rec_clock ADD COLUMN obs_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rec_clock ADD COLUMN obs_counter INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rec_clock ADD COLUMN ref_hq_ms INTEGER;
ALTER TABLE rec_clock ADD COLUMN ref_boot_ms INTEGER;
ALTER TABLE rec_clock ADD COLUMN ref_boot_id BLOB;
ALTER TABLE rec_clock ADD COLUMN wall_ahead INTEGER NOT NULL DEFAULT 0;
)sql");
}

// DESIGN.md "Data": nothing an officer writes is lost silently. Operations HQ refused for their
// clock (held: re-stamped and re-issued) or that can no longer be delivered (their scope closed),
// with what HQ said, for the app to show.
Status migration3(Database &db)
{
    return db.execute(R"sql(
CREATE TABLE rec_held (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record BLOB NOT NULL,
    scope TEXT NOT NULL,
    op BLOB NOT NULL,
    reason INTEGER NOT NULL,
    hq_state BLOB,
    at_ms INTEGER NOT NULL,
    retry INTEGER NOT NULL
);
)sql");
}

QByteArray encodeValue(const QCborValue &v)
{
    return v.toCbor(); // values are normalized: maps already in canonical key order
}

// The canonical bytes of every field value of an operation, written by one QCborStreamWriter
// (a writer per value costs more than the encoding itself).
struct EncodedFields
{
    QByteArray buffer;
    QList<qsizetype> ends;

    explicit EncodedFields(const FieldMap &fields)
    {
        ends.reserve(fields.size());
        QCborStreamWriter writer(&buffer);
        for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
            it.value().toCbor(writer);
            ends.append(buffer.size());
        }
    }
    [[nodiscard]] QByteArrayView at(qsizetype i) const
    {
        const qsizetype begin = i == 0 ? 0 : ends[i - 1];
        return QByteArrayView(buffer).sliced(begin, ends[i] - begin);
    }
};

QCborValue decodeValue(const QByteArray &bytes)
{
    return QCborValue::fromCbor(bytes);
}

// SAVEPOINT: joins an open transaction, or is one on its own.
class Savepoint
{
public:
    explicit Savepoint(Database &db)
        : m_db(db)
    {}
    ~Savepoint()
    {
        if (m_open) {
            static_cast<void>(m_db.execute("ROLLBACK TO rec_sp"));
            static_cast<void>(m_db.execute("RELEASE rec_sp"));
        }
    }
    [[nodiscard]] Status begin()
    {
        if (auto s = m_db.execute("SAVEPOINT rec_sp"); !s)
            return s;
        m_open = true;
        return {};
    }
    [[nodiscard]] Status release()
    {
        if (auto s = m_db.execute("RELEASE rec_sp"); !s)
            return s;
        m_open = false;
        return {};
    }

private:
    Database &m_db;
    bool m_open = false;
};

QString ftsQuery(const QString &query)
{
    // Words of letters and digits only, lower-cased, each a prefix term; FTS operators and
    // quotes cannot appear. The query is bound as a parameter, never spliced into SQL.
    QStringList terms;
    QString word;
    const auto flush = [&] {
        if (!word.isEmpty())
            terms.append(word.toLower() + QLatin1Char('*'));
        word.clear();
    };
    for (const QChar c : query) {
        if (c.isLetterOrNumber())
            word.append(c);
        else
            flush();
    }
    flush();
    if (terms.size() > 16)
        terms.resize(16);
    return terms.join(QLatin1Char(' '));
}

// The bit of an initial a to z (0 to 25) or 0 to 9 (26 to 35), -1 for any other character.
int asciiInitialBit(char16_t c)
{
    if (c >= u'A' && c <= u'Z')
        return c - u'A';
    if (c >= u'a' && c <= u'z')
        return c - u'a';
    if (c >= u'0' && c <= u'9')
        return 26 + (c - u'0');
    return -1;
}

// The initials of the words of `text` as the index's unicode61 tokenizer sees them. Words are
// runs of letters and digits; a Latin-1 or Latin Extended-A letter folds to the letter its
// canonical decomposition starts with ("Š" is an s, "Ł" and "Ø" have no decomposition and are
// initials no a-to-z query matches). Outside ASCII and those two blocks the tokenizer's tables
// decide what a word and its fold are, so the text is kUnknownInitials.
quint64 wordInitials(const QString &text)
{
    quint64 bits = 0;
    bool inWord = false;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        const bool latin = u < 0x80 || (u >= 0xC0 && u <= 0x17F && u != 0xD7 && u != 0xF7);
        if (!latin)
            return bits | RecordStore::kUnknownInitials;
        const bool letterOrDigit = c.isLetterOrNumber();
        if (letterOrDigit && !inWord) {
            int bit = asciiInitialBit(u);
            if (bit < 0 && c.decompositionTag() == QChar::Canonical)
                bit = asciiInitialBit(c.decomposition().front().unicode());
            if (u == 0x17F) // the long s: the tokenizer folds it to s, Unicode only by compatibility
                bit = asciiInitialBit(u's');
            if (bit >= 0)
                bits |= quint64(1) << bit;
        }
        inWord = letterOrDigit;
    }
    return bits;
}

} // namespace

bool mayWrite(ReplicaRole writer, RecordType type, bool isOwner)
{
    switch (writerRule(type)) {
    case WriterRule::HqOnly:
        return writer == ReplicaRole::Hq;
    case WriterRule::HqAndScopeMembers:
        return true;
    case WriterRule::AuthorOnly:
        return writer == ReplicaRole::Device && isOwner;
    }
    return false;
}

struct RecordStore::Row
{
    qint64 rid = 0;
    RecordHeader header;
};

struct RecordStore::Statements
{
    Statement selRow, insRow, setTomb, delRow, delFields, insFieldIgnore, updField, selField,
        setField, delField, countFields, maxStamp, selFields, insOutbox, selOutbox, delOutbox,
        delOutboxScope, countOutbox, setClock, selClock, ftsDel, ftsIns, ftsSearch, ftsFields,
        selScope, ftsPurge, purge, insScope, delScope, selScopes, distinctScopes, countRecords,
        contactList, ftsMatch;
};

// Marks remote application: any outbox write inside fails.
class RecordStore::RemoteGuard
{
public:
    explicit RemoteGuard(RecordStore &s)
        : m_s(s)
    {
        ++m_s.m_remoteDepth;
    }
    ~RemoteGuard() { --m_s.m_remoteDepth; }

private:
    RecordStore &m_s;
};

RecordStore::RecordStore(Database &db, const Clock &clock, const crypto::Id16 &self,
                         ReplicaRole role)
    : m_db(db)
    , m_self(self)
    , m_role(role)
    , m_hlc(clock, self)
{
    m_hlc.setBoundOnly(role == ReplicaRole::Hq);
}

RecordStore::~RecordStore() = default;

std::vector<store::Migration> RecordStore::migrations()
{
    return {migration1, migration2, migration3};
}

Status RecordStore::open()
{
    auto st = std::make_unique<Statements>();
    struct Item
    {
        Statement *stmt;
        const char *sql;
    };
    const Item items[] = {
        {&st->selRow, "SELECT rid, type, scope, owner, tombstone FROM rec_record WHERE id = ?1"},
        {&st->insRow,
         "INSERT INTO rec_record(id, type, scope, owner, tombstone) VALUES (?1, ?2, ?3, ?4, ?5)"},
        {&st->setTomb, "UPDATE rec_record SET tombstone = ?2 WHERE rid = ?1"},
        {&st->delRow, "DELETE FROM rec_record WHERE rid = ?1"},
        {&st->delFields, "DELETE FROM rec_field WHERE rid = ?1"},
        {&st->insFieldIgnore,
         "INSERT OR IGNORE INTO rec_field(rid, name, value, stamp) VALUES (?1, ?2, ?3, ?4)"},
        {&st->updField, "UPDATE rec_field SET value = ?3, stamp = ?4 WHERE rid = ?1 AND name = ?2 "
                        "AND (stamp < ?4 OR (stamp = ?4 AND value < ?3))"},
        {&st->selField, "SELECT value, stamp FROM rec_field WHERE rid = ?1 AND name = ?2"},
        {&st->setField,
         "INSERT OR REPLACE INTO rec_field(rid, name, value, stamp) VALUES (?1, ?2, ?3, ?4)"},
        {&st->delField, "DELETE FROM rec_field WHERE rid = ?1 AND name = ?2"},
        {&st->countFields, "SELECT count(*) FROM rec_field WHERE rid = ?1"},
        {&st->maxStamp, "SELECT max(stamp) FROM rec_field WHERE rid = ?1"},
        {&st->selFields, "SELECT name, value, stamp FROM rec_field WHERE rid = ?1 ORDER BY name"},
        {&st->insOutbox, "INSERT INTO rec_outbox(record, scope, op) VALUES (?1, ?2, ?3)"},
        {&st->selOutbox, "SELECT seq, op FROM rec_outbox ORDER BY seq LIMIT ?1"},
        {&st->delOutbox, "DELETE FROM rec_outbox WHERE seq <= ?1"},
        {&st->delOutboxScope, "DELETE FROM rec_outbox WHERE scope = ?1"},
        {&st->countOutbox, "SELECT count(*) FROM rec_outbox"},
        {&st->setClock,
         "UPDATE rec_clock SET ms = ?1, counter = ?2, obs_ms = ?3, obs_counter = ?4, "
         "ref_hq_ms = ?5, ref_boot_ms = ?6, ref_boot_id = ?7, wall_ahead = ?8 "
         "WHERE id = 1"},
        {&st->selClock, "SELECT ms, counter, obs_ms, obs_counter, ref_hq_ms, ref_boot_ms, "
                        "ref_boot_id, wall_ahead FROM rec_clock WHERE id = 1"},
        {&st->ftsDel, "DELETE FROM rec_contact_fts WHERE docid = ?1"},
        {&st->ftsIns, "INSERT INTO rec_contact_fts(docid, name, organisation, role, country, tags) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        {&st->ftsSearch, "SELECT r.id FROM rec_contact_fts JOIN rec_record r "
                         "ON r.rid = rec_contact_fts.docid WHERE rec_contact_fts MATCH ?1 "
                         "ORDER BY r.id LIMIT ?2"},
        {&st->ftsFields, "SELECT name, value FROM rec_field WHERE rid = ?1 AND name IN "
                         "('name', 'organisation', 'role', 'country', 'tags')"},
        {&st->selScope, "SELECT r.id, r.type, r.scope, r.owner, r.tombstone, f.name, f.value, "
                        "f.stamp FROM rec_record r LEFT JOIN rec_field f ON f.rid = r.rid "
                        "WHERE r.scope = ?1 ORDER BY r.id, f.name"},
        {&st->ftsPurge, "DELETE FROM rec_contact_fts WHERE docid IN "
                        "(SELECT rid FROM rec_record WHERE scope = ?1)"},
        {&st->purge, "DELETE FROM rec_record WHERE scope = ?1"},
        {&st->insScope, "INSERT OR IGNORE INTO rec_scope(scope) VALUES (?1)"},
        {&st->delScope, "DELETE FROM rec_scope WHERE scope = ?1"},
        {&st->selScopes, "SELECT scope FROM rec_scope ORDER BY scope"},
        {&st->distinctScopes, "SELECT DISTINCT scope FROM rec_record ORDER BY scope"},
        {&st->countRecords, "SELECT count(*) FROM rec_record"},
        // From the records, not the search table: a contact without any searchable field still
        // shows (with an empty name).
        {&st->contactList, "SELECT r.rid, r.id, f.name, f.organisation, f.country, f.role, f.tags "
                           "FROM rec_record r "
                           "LEFT JOIN rec_contact_fts f ON f.docid = r.rid WHERE r.type = ?1 AND "
                           "r.tombstone IS NULL AND r.scope IN (SELECT scope FROM rec_scope)"},
        {&st->ftsMatch, "SELECT docid FROM rec_contact_fts WHERE rec_contact_fts MATCH ?1"},
    };
    for (const Item &item : items) {
        auto s = m_db.prepare(item.sql);
        if (!s)
            return forwardError(s);
        *item.stmt = std::move(*s);
    }
    m_st = std::move(st);

    auto row = m_st->selClock.step();
    if (!row)
        return forwardError(row);
    if (!*row) {
        m_st->selClock.reset();
        return fail(Errc::Tampered, QStringLiteral("records: clock row missing"));
    }
    Statement &c = m_st->selClock;
    m_hlc.restore(quint64(c.columnInt64(0)), quint16(c.columnInt64(1)));
    m_hlc.restoreObserved(quint64(c.columnInt64(2)), quint16(c.columnInt64(3)));
    if (!c.columnIsNull(4)) {
        m_hlc.restoreReference(
            HybridClock::Reference{c.columnInt64(4), c.columnInt64(5), c.columnBlob(6)});
        m_hlc.restoreWallAhead(c.columnInt64(7) != 0);
    }
    c.reset();
    return loadScopes();
}

Status RecordStore::loadScopes()
{
    m_scopes.clear();
    for (;;) {
        auto row = m_st->selScopes.step();
        if (!row) {
            m_st->selScopes.reset();
            return forwardError(row);
        }
        if (!*row)
            break;
        m_scopes.insert(m_st->selScopes.columnText(0));
    }
    m_st->selScopes.reset();
    return {};
}

// ---- rows ----

Result<std::optional<RecordStore::Row>> RecordStore::loadRow(const RecordId &id) const
{
    Statement &q = m_st->selRow;
    q.bind(1, id.view());
    auto has = q.step();
    if (!has) {
        q.reset();
        return forwardError(has);
    }
    if (!*has) {
        q.reset();
        return std::optional<Row>();
    }
    Row row;
    row.rid = q.columnInt64(0);
    row.header.id = id;
    const auto type = recordTypeFromInt(q.columnInt64(1));
    row.header.scope = q.columnText(2);
    if (!q.columnIsNull(3))
        row.header.owner = crypto::Id16::fromBytes(q.columnBlob(3));
    if (!q.columnIsNull(4))
        row.header.tombstone = Hlc::decode(q.columnBlob(4));
    const bool tombOk = q.columnIsNull(4) || row.header.tombstone.has_value();
    q.reset();
    if (!type || !tombOk)
        return fail(Errc::Tampered, QStringLiteral("records: damaged record row"));
    row.header.type = *type;
    return std::optional<Row>(std::move(row));
}

Result<std::optional<RecordHeader>> RecordStore::header(const RecordId &id) const
{
    auto row = loadRow(id);
    if (!row)
        return forwardError(row);
    if (!*row)
        return std::optional<RecordHeader>();
    return std::optional<RecordHeader>((*row)->header);
}

// ---- merge ----

Result<bool> RecordStore::merge(const Operation &op)
{
    auto loaded = loadRow(op.recordId);
    if (!loaded)
        return forwardError(loaded);
    const bool isContact = op.type == RecordType::Contact;
    const QByteArray stamp = op.stamp.encode();

    if (!*loaded) {
        Statement &ins = m_st->insRow;
        ins.bind(1, op.recordId.view()).bind(2, int(op.type)).bind(3, op.scope);
        if (writerRule(op.type) == WriterRule::AuthorOnly)
            ins.bind(4, op.author().view());
        else
            ins.bindNull(4);
        if (op.tombstone)
            ins.bind(5, QByteArrayView(stamp));
        else
            ins.bindNull(5);
        if (auto s = ins.exec(); !s)
            return forwardError(s);
        const qint64 rid = m_db.lastInsertRowId();
        const EncodedFields values(op.fields);
        qsizetype i = 0;
        for (auto it = op.fields.cbegin(); it != op.fields.cend(); ++it, ++i) {
            Statement &f = m_st->insFieldIgnore;
            f.bind(1, rid).bind(2, it.key()).bind(3, values.at(i)).bind(4, QByteArrayView(stamp));
            if (auto s = f.exec(); !s)
                return forwardError(s);
        }
        if (isContact && !op.tombstone) {
            // A new contact's search row comes straight from the operation.
            if (auto s = insertSearchRow(rid, op.fields); !s)
                return std::unexpected(s.error());
        }
        m_changed.append(op.recordId);
        return true;
    }

    const Row &row = **loaded;
    if (row.header.type != op.type || row.header.scope != op.scope)
        return fail(Errc::Refused,
                    QStringLiteral("records: a record's type and scope never change"));
    // A tombstone of another author is HQ's (its validator refuses one from another device).
    if (writerRule(op.type) == WriterRule::AuthorOnly && row.header.owner != op.author() &&
        !op.tombstone)
        return fail(Errc::Refused, QStringLiteral("records: not the record's author"));

    if (op.tombstone) {
        if (row.header.tombstone) {
            if (op.stamp > *row.header.tombstone) {
                m_st->setTomb.bind(1, row.rid).bind(2, QByteArrayView(stamp));
                if (auto s = m_st->setTomb.exec(); !s)
                    return forwardError(s);
                m_changed.append(op.recordId);
                return true;
            }
            return false;
        }
        m_st->setTomb.bind(1, row.rid).bind(2, QByteArrayView(stamp));
        if (auto s = m_st->setTomb.exec(); !s)
            return forwardError(s);
        m_st->delFields.bind(1, row.rid);
        if (auto s = m_st->delFields.exec(); !s)
            return forwardError(s);
        if (isContact)
            m_searchDirty.insert(row.rid);
        m_changed.append(op.recordId);
        return true;
    }

    if (row.header.tombstone)
        return false; // deletion wins
    bool changed = false;
    bool searchChanged = false;
    const EncodedFields values(op.fields);
    qsizetype i = 0;
    for (auto it = op.fields.cbegin(); it != op.fields.cend(); ++it, ++i) {
        const QByteArrayView value = values.at(i);
        Statement &ins = m_st->insFieldIgnore;
        ins.bind(1, row.rid).bind(2, it.key()).bind(3, value).bind(4, QByteArrayView(stamp));
        if (auto s = ins.exec(); !s)
            return forwardError(s);
        if (m_db.changes() == 0) {
            Statement &upd = m_st->updField;
            upd.bind(1, row.rid).bind(2, it.key()).bind(3, value);
            upd.bind(4, QByteArrayView(stamp));
            if (auto s = upd.exec(); !s)
                return forwardError(s);
        }
        if (m_db.changes() > 0) {
            changed = true;
            if (isContact && !searchChanged) {
                for (const char *name : kContactSearchFields)
                    searchChanged = searchChanged || it.key() == QLatin1StringView(name);
            }
        }
    }
    if (searchChanged)
        m_searchDirty.insert(row.rid);
    if (changed)
        m_changed.append(op.recordId);
    return changed;
}

namespace {
QString searchText(const QCborValue &v)
{
    if (!v.isArray())
        return v.toString();
    QStringList parts;
    for (const QCborValue &item : v.toArray())
        parts.append(item.toString());
    return parts.join(QLatin1Char(' '));
}
} // namespace

Status RecordStore::insertSearchRow(qint64 rid, const FieldMap &fields)
{
    Statement &ins = m_st->ftsIns;
    ins.bind(1, rid);
    for (int i = 0; i < 5; ++i) {
        const auto it = fields.constFind(QLatin1StringView(kContactSearchFields[i]));
        ins.bind(2 + i, it == fields.cend() ? QString() : searchText(it.value()));
    }
    return ins.exec();
}

Status RecordStore::refreshSearch()
{
    if (m_searchDirty.isEmpty())
        return {};
    QList<qint64> rids(m_searchDirty.cbegin(), m_searchDirty.cend());
    m_searchDirty.clear();
    std::sort(rids.begin(), rids.end());
    for (const qint64 rid : rids) {
        m_st->ftsDel.bind(1, rid);
        if (auto s = m_st->ftsDel.exec(); !s)
            return s;
        FieldMap fields;
        Statement &q = m_st->ftsFields;
        q.bind(1, rid);
        for (;;) {
            auto has = q.step();
            if (!has) {
                q.reset();
                return forwardError(has);
            }
            if (!*has)
                break;
            fields.insert(q.columnText(0), decodeValue(q.columnBlob(1)));
        }
        q.reset();
        if (fields.isEmpty())
            continue; // deleted or gone
        if (auto s = insertSearchRow(rid, fields); !s)
            return s;
    }
    return {};
}

Status RecordStore::persistClock()
{
    Statement &c = m_st->setClock;
    c.bind(1, qint64(m_hlc.highWaterMs()))
        .bind(2, int(m_hlc.highWaterCounter()))
        .bind(3, qint64(m_hlc.observedMs()))
        .bind(4, int(m_hlc.observedCounter()));
    if (const auto ref = m_hlc.reference()) {
        c.bind(5, ref->hqMs).bind(6, ref->bootMs).bind(7, QByteArrayView(ref->bootId));
    } else {
        c.bindNull(5);
        c.bindNull(6);
        c.bindNull(7);
    }
    c.bind(8, m_hlc.wallAheadNoted() ? 1 : 0);
    return c.exec();
}

Status RecordStore::setReference(qint64 hqTimeMs)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    if (!m_hlc.setReference(hqTimeMs))
        return {};
    return persistClock();
}

Status RecordStore::checkHqClock()
{
    if (m_role != ReplicaRole::Hq)
        return {};
    const auto confirmed = m_hlc.referenceMs();
    const qint64 now = m_hlc.physicalMs();
    if (!confirmed || now <= *confirmed + HybridClock::kPoisonedAheadMs)
        return {};
    ++m_hqClockAhead;
    const qint64 minutes = (now - *confirmed) / 60000;
    qCCritical(lcModel) << "HQ's clock is" << minutes
                        << "min ahead of the time last confirmed: edit refused";
    return fail(Errc::Refused,
                QStringLiteral("records: HQ's clock is %1 min ahead of the time last confirmed (by "
                               "the relay or HQ's own last edit); edits are refused until the "
                               "clock is right or the relay confirms it (liaison-hq sync)")
                    .arg(minutes));
}

Status RecordStore::noteWallAhead()
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    m_hlc.noteWallAhead();
    return persistClock();
}

Status RecordStore::lowerReference(qint64 hqTimeMs)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    if (!m_hlc.lowerReference(hqTimeMs))
        return {};
    qCWarning(lcModel) << "HQ's clock is behind the time it told before: the bound goes back";
    return persistClock();
}

void RecordStore::notify()
{
    if (m_changed.isEmpty())
        return;
    QList<RecordId> changed;
    changed.swap(m_changed);
    if (m_listener)
        m_listener(changed);
}

// ---- local edits ----

Status RecordStore::checkLocalWrite(RecordType type, const QString &scope,
                                    const std::optional<crypto::Id16> &owner) const
{
    const bool isOwner = !owner || *owner == m_self;
    if (!mayWrite(m_role, type, isOwner))
        return fail(Errc::Refused, QStringLiteral("records: this replica may not write a %1")
                                       .arg(QLatin1StringView(recordTypeName(type))));
    if (m_role == ReplicaRole::Device && !m_scopes.contains(scope))
        return fail(Errc::Refused, QStringLiteral("records: scope not held"));
    return {};
}

Status RecordStore::enqueueOutbox(const Operation &op)
{
    if (m_remoteDepth > 0) {
        // Structural guard: remote operations are never re-queued.
        qCCritical(lcModel) << "outbox write during remote apply refused";
        return fail(Errc::Internal, QStringLiteral("records: outbox write during remote apply"));
    }
    Statement &ins = m_st->insOutbox;
    ins.bind(1, op.recordId.view()).bind(2, op.scope).bind(3, QByteArrayView(op.encode()));
    return ins.exec();
}

Result<Operation> RecordStore::commitLocal(Operation op)
{
    if (auto s = op.validate(); !s)
        return std::unexpected(s.error());
    Savepoint sp(m_db);
    if (auto s = sp.begin(); !s)
        return std::unexpected(s.error());
    auto merged = merge(op);
    if (!merged) {
        m_changed.clear();
        m_searchDirty.clear();
        return forwardError(merged);
    }
    if (!*merged) {
        // A local edit that does not win here would be sent, accepted and lose everywhere while
        // the officer is told it was saved: refuse it instead.
        m_changed.clear();
        m_searchDirty.clear();
        qCWarning(lcModel) << "local edit did not take effect; refused";
        return fail(Errc::Refused, QStringLiteral("records: the edit would not take effect"));
    }
    if (auto s = refreshSearch(); !s)
        return std::unexpected(s.error());
    if (auto s = enqueueOutbox(op); !s)
        return std::unexpected(s.error());
    if (m_role == ReplicaRole::Hq)
        (void)m_hlc.setReference(m_hlc.physicalMs()); // HQ's time, confirmed by its own stamp
    if (auto s = persistClock(); !s)
        return std::unexpected(s.error());
    if (auto s = sp.release(); !s)
        return std::unexpected(s.error());
    notify();
    return op;
}

Result<Operation> RecordStore::create(RecordType type, const QString &scope, FieldMap fields)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    if (auto s = checkLocalWrite(type, scope, std::nullopt); !s)
        return std::unexpected(s.error());
    if (fields.isEmpty())
        return fail(Errc::InvalidArgument, QStringLiteral("records: a new record needs fields"));
    if (auto s = checkHqClock(); !s)
        return std::unexpected(s.error());
    Operation op;
    op.recordId = m_idSource ? m_idSource() : newRecordId();
    op.type = type;
    op.scope = scope;
    op.fields = std::move(fields);
    op.stamp = m_hlc.tick();
    return commitLocal(std::move(op));
}

Result<std::optional<Operation>> RecordStore::update(const RecordId &id, FieldMap changes)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    auto loaded = loadRow(id);
    if (!loaded)
        return forwardError(loaded);
    if (!*loaded)
        return fail(Errc::NotFound, QStringLiteral("records: no such record"));
    const Row row = **loaded;
    if (row.header.tombstone)
        return fail(Errc::Refused, QStringLiteral("records: the record is deleted"));
    if (auto s = checkLocalWrite(row.header.type, row.header.scope, row.header.owner); !s)
        return std::unexpected(s.error());

    Operation op;
    op.recordId = id;
    op.type = row.header.type;
    op.scope = row.header.scope;
    op.fields = std::move(changes);
    op.stamp = Hlc{0, 0, m_self}; // the real stamp is taken below, once something differs
    if (auto s = op.validate(); !s)
        return std::unexpected(s.error());
    // Only what differs travels.
    for (auto it = op.fields.begin(); it != op.fields.end();) {
        Statement &q = m_st->selField;
        q.bind(1, row.rid).bind(2, it.key());
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        const bool same = *has && q.columnBlob(0) == encodeValue(it.value());
        q.reset();
        it = same ? op.fields.erase(it) : std::next(it);
    }
    if (op.fields.isEmpty())
        return std::optional<Operation>();

    if (auto s = checkHqClock(); !s)
        return std::unexpected(s.error());
    // Above every stamp the record carries, so the edit takes effect here (a field stamped by
    // another replica whose clock runs ahead would otherwise win over it).
    op.stamp = m_hlc.tick();
    m_st->maxStamp.bind(1, row.rid);
    auto has = m_st->maxStamp.step();
    if (!has) {
        m_st->maxStamp.reset();
        return forwardError(has);
    }
    std::optional<Hlc> highest;
    if (*has && !m_st->maxStamp.columnIsNull(0))
        highest = Hlc::decode(m_st->maxStamp.columnBlob(0));
    m_st->maxStamp.reset();
    if (highest && !(*highest < op.stamp)) {
        m_hlc.observe(*highest);
        op.stamp = m_hlc.tick();
    }
    // A stamp far ahead of this replica's time (the record, or a stamp it saw, comes from a
    // clock that ran ahead, DESIGN.md "Data"): HQ would refuse it as ClockAhead, and a local edit
    // stamped below it would not take effect. Refuse loudly instead.
    if (qint64(op.stamp.ms48) > m_hlc.physicalMs() + HybridClock::kPoisonedAheadMs) {
        ++m_futureStamped;
        qCWarning(lcModel) << "edit refused: the record carries a stamp far in the future";
        return fail(Errc::Refused, QStringLiteral("records: the record was stamped in the future"));
    }
    auto done = commitLocal(std::move(op));
    if (!done)
        return forwardError(done);
    return std::optional<Operation>(std::move(*done));
}

Result<Operation> RecordStore::remove(const RecordId &id)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    auto loaded = loadRow(id);
    if (!loaded)
        return forwardError(loaded);
    if (!*loaded)
        return fail(Errc::NotFound, QStringLiteral("records: no such record"));
    const Row row = **loaded;
    if (row.header.tombstone)
        return fail(Errc::Refused, QStringLiteral("records: the record is already deleted"));
    // HQ may delete an author-only record (spam reports): a tombstone only, never a field write.
    const bool hqTombstone =
        m_role == ReplicaRole::Hq && writerRule(row.header.type) == WriterRule::AuthorOnly;
    if (!hqTombstone) {
        if (auto s = checkLocalWrite(row.header.type, row.header.scope, row.header.owner); !s)
            return std::unexpected(s.error());
    }
    Operation op;
    op.recordId = id;
    op.type = row.header.type;
    op.scope = row.header.scope;
    op.tombstone = true;
    if (auto s = checkHqClock(); !s)
        return std::unexpected(s.error());
    op.stamp = m_hlc.tick();
    return commitLocal(std::move(op));
}

// ---- remote ----

Result<ApplyStats> RecordStore::mergeRemote(std::span<const Operation> ops, bool checkScope)
{
    ApplyStats stats;
    Hlc newest;
    for (const Operation &op : ops) {
        // Values were checked when the operation was decoded (Operation::fromCbor) or built
        // (validate()); the shape is checked again here, cheaply.
        if (auto s = op.checkShape(); !s)
            return std::unexpected(s.error());
        if (checkScope && m_role == ReplicaRole::Device && !m_scopes.contains(op.scope))
            return fail(Errc::Refused, QStringLiteral("records: operation for a scope not held"));
        auto changed = merge(op);
        if (!changed)
            return forwardError(changed);
        ++stats.operations;
        if (*changed)
            ++stats.changed;
        if (newest < op.stamp)
            newest = op.stamp;
    }
    if (auto s = refreshSearch(); !s)
        return std::unexpected(s.error());
    if (!newest.isNull()) {
        m_hlc.observe(newest);
        if (auto s = persistClock(); !s)
            return std::unexpected(s.error());
    }
    return stats;
}

Result<ApplyStats> RecordStore::applyRemote(const Operation &op)
{
    return applyRemoteBatch(std::span<const Operation>(&op, 1));
}

Result<ApplyStats> RecordStore::applyRemoteBatch(std::span<const Operation> ops)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    RemoteGuard guard(*this);
    Savepoint sp(m_db);
    if (auto s = sp.begin(); !s)
        return std::unexpected(s.error());
    auto stats = mergeRemote(ops, true);
    if (!stats) {
        m_changed.clear();
        m_searchDirty.clear();
        return stats;
    }
    if (auto s = sp.release(); !s)
        return std::unexpected(s.error());
    notify();
    return stats;
}

Result<ApplyStats> RecordStore::applyReject(const RejectPayload &reject)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    const Operation &op = reject.op;
    if (op.author() != m_self)
        return fail(Errc::Malformed, QStringLiteral("records: REJECT of another replica's op"));
    const std::optional<RecordState> &hq = reject.authoritative;
    RemoteGuard guard(*this);
    Savepoint sp(m_db);
    if (auto s = sp.begin(); !s)
        return std::unexpected(s.error());
    if (m_role == ReplicaRole::Device) {
        // What the officer wrote is kept with HQ's answer before it is rolled back here.
        const bool retry = reject.reason == RejectReason::ClockAhead;
        if (auto s = hold(op, int(reject.reason), reject.toCbor().toCborValue().toCbor(), retry);
            !s)
            return std::unexpected(s.error());
        if (retry) {
            m_hlc.noteWallAhead();
            if (auto s = persistClock(); !s)
                return std::unexpected(s.error());
        }
    }

    auto loaded = loadRow(op.recordId);
    if (!loaded)
        return forwardError(loaded);
    ApplyStats stats;
    // HQ's state is used only for a scope this replica holds (HQ sends none otherwise).
    const bool hqUsable = hq && (m_role == ReplicaRole::Hq || m_scopes.contains(hq->scope));
    if (*loaded) {
        const Row &row = **loaded;
        const bool sameIdentity =
            hqUsable && hq->type == row.header.type && hq->scope == row.header.scope;
        // A row whose type or scope differs from HQ's, or that HQ does not show at all and that
        // exists here only through rejected writes, goes away.
        bool dropRecord = hqUsable && !sameIdentity;
        if (op.tombstone && row.header.tombstone == op.stamp) {
            // Our rejected deletion: undo it; HQ's state is merged below.
            m_st->setTomb.bind(1, row.rid).bindNull(2);
            if (auto s = m_st->setTomb.exec(); !s)
                return std::unexpected(s.error());
            if (!sameIdentity)
                dropRecord = true;
            ++stats.changed;
        } else if (!op.tombstone && !row.header.tombstone) {
            const QByteArray stamp = op.stamp.encode();
            for (auto it = op.fields.cbegin(); it != op.fields.cend(); ++it) {
                Statement &q = m_st->selField;
                q.bind(1, row.rid).bind(2, it.key());
                auto has = q.step();
                if (!has) {
                    q.reset();
                    return forwardError(has);
                }
                const bool ours = *has && q.columnBlob(1) == stamp;
                q.reset();
                if (!ours)
                    continue; // overwritten since: not what was rejected
                const FieldState *authoritative = nullptr;
                if (sameIdentity && !hq->deleted) {
                    const auto found = hq->fields.constFind(it.key());
                    if (found != hq->fields.constEnd())
                        authoritative = &found.value();
                }
                if (authoritative) {
                    Statement &set = m_st->setField;
                    set.bind(1, row.rid).bind(2, it.key());
                    set.bind(3, QByteArrayView(encodeValue(authoritative->value)));
                    set.bind(4, QByteArrayView(authoritative->stamp.encode()));
                    if (auto s = set.exec(); !s)
                        return std::unexpected(s.error());
                } else {
                    m_st->delField.bind(1, row.rid).bind(2, it.key());
                    if (auto s = m_st->delField.exec(); !s)
                        return std::unexpected(s.error());
                }
                ++stats.changed;
            }
            // A live record left without any field existed only through rejected writes.
            m_st->countFields.bind(1, row.rid);
            auto has = m_st->countFields.step();
            if (!has) {
                m_st->countFields.reset();
                return forwardError(has);
            }
            const qint64 remaining = m_st->countFields.columnInt64(0);
            m_st->countFields.reset();
            if (remaining == 0)
                dropRecord = true;
        }
        if (dropRecord) {
            m_st->ftsDel.bind(1, row.rid);
            if (auto s = m_st->ftsDel.exec(); !s)
                return std::unexpected(s.error());
            m_st->delRow.bind(1, row.rid); // fields go by cascade
            if (auto s = m_st->delRow.exec(); !s)
                return std::unexpected(s.error());
            ++stats.changed;
        } else if (row.header.type == RecordType::Contact) {
            m_searchDirty.insert(row.rid);
        }
        m_changed.append(op.recordId);
    }
    if (hqUsable) {
        const QList<Operation> ops = hq->toOperations();
        auto merged = mergeRemote(ops, true);
        if (!merged) {
            m_changed.clear();
            m_searchDirty.clear();
            return merged;
        }
        stats.operations += merged->operations;
        stats.changed += merged->changed;
    } else if (auto s = refreshSearch(); !s) {
        return std::unexpected(s.error());
    }
    if (auto s = sp.release(); !s)
        return std::unexpected(s.error());
    notify();
    return stats;
}

Result<ApplyStats> RecordStore::applyScopeJoin(const ScopeJoinPayload &join)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    for (const Operation &op : join.ops) {
        if (op.scope != join.scope)
            return fail(Errc::Malformed, QStringLiteral("records: SCOPE_JOIN with another scope"));
    }
    Savepoint sp(m_db);
    if (auto s = sp.begin(); !s)
        return std::unexpected(s.error());
    if (auto s = addScope(join.scope); !s)
        return std::unexpected(s.error());
    auto stats = applyRemoteBatch(join.ops);
    if (!stats)
        return stats;
    if (auto s = sp.release(); !s)
        return std::unexpected(s.error());
    return stats;
}

Status RecordStore::applyScopeLeave(const ScopeLeavePayload &leave)
{
    return purgeScope(leave.scope);
}

Result<ApplyStats> RecordStore::resetToSnapshot(const QStringList &scopes,
                                                std::span<const Operation> snapshot)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    for (const QString &scope : scopes) {
        if (!isValidScope(scope))
            return fail(Errc::Malformed, QStringLiteral("records: bad scope in RESYNC"));
    }
    const QSet<QString> keep(scopes.cbegin(), scopes.cend());
    for (const Operation &op : snapshot) {
        if (!keep.contains(op.scope))
            return fail(Errc::Malformed, QStringLiteral("records: RESYNC op outside its scopes"));
    }
    auto pending = pendingOutbox(std::numeric_limits<int>::max());
    if (!pending)
        return forwardError(pending);

    RemoteGuard guard(*this);
    Savepoint sp(m_db);
    if (auto s = sp.begin(); !s)
        return std::unexpected(s.error());
    for (const char *sql : {"DELETE FROM rec_contact_fts", "DELETE FROM rec_field",
                            "DELETE FROM rec_record", "DELETE FROM rec_scope"}) {
        if (auto s = m_db.execute(sql); !s)
            return std::unexpected(s.error());
    }
    m_scopes.clear();
    for (const QString &scope : scopes) {
        m_st->insScope.bind(1, scope);
        if (auto s = m_st->insScope.exec(); !s)
            return std::unexpected(s.error());
        m_scopes.insert(scope);
    }
    auto stats = mergeRemote(snapshot, true);
    if (!stats) {
        m_changed.clear();
        m_searchDirty.clear();
        static_cast<void>(loadScopes());
        return stats;
    }
    // Local edits not yet sent stay queued and visible; those of scopes no longer held go.
    QList<Operation> mine;
    for (const OutboxEntry &e : *pending) {
        if (keep.contains(e.op.scope)) {
            mine.append(e.op);
        } else {
            if (auto s = holdUnsent(e.op.scope); !s)
                return std::unexpected(s.error());
            m_st->delOutboxScope.bind(1, e.op.scope);
            if (auto s = m_st->delOutboxScope.exec(); !s)
                return std::unexpected(s.error());
        }
    }
    for (const Operation &op : mine) {
        auto changed = merge(op);
        if (!changed && changed.error().code != Errc::Refused)
            return forwardError(changed);
    }
    if (auto s = refreshSearch(); !s)
        return std::unexpected(s.error());
    if (auto s = sp.release(); !s) {
        static_cast<void>(loadScopes());
        return std::unexpected(s.error());
    }
    notify();
    return stats;
}

// ---- scopes ----

QStringList RecordStore::scopes() const
{
    QStringList out(m_scopes.cbegin(), m_scopes.cend());
    out.sort();
    return out;
}

bool RecordStore::holdsScope(const QString &scope) const
{
    return m_role == ReplicaRole::Hq || m_scopes.contains(scope);
}

Status RecordStore::addScope(const QString &scope)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    if (!isValidScope(scope))
        return fail(Errc::InvalidArgument, QStringLiteral("records: bad scope"));
    m_st->insScope.bind(1, scope);
    if (auto s = m_st->insScope.exec(); !s)
        return s;
    m_scopes.insert(scope);
    return {};
}

Status RecordStore::purgeScope(const QString &scope)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    Savepoint sp(m_db);
    if (auto s = sp.begin(); !s)
        return s;
    if (auto s = holdUnsent(scope); !s)
        return s;
    for (Statement *q : {&m_st->ftsPurge, &m_st->purge, &m_st->delOutboxScope, &m_st->delScope}) {
        q->bind(1, scope);
        if (auto s = q->exec(); !s)
            return s;
    }
    if (auto s = sp.release(); !s)
        return s;
    m_scopes.remove(scope);
    qCDebug(lcModel) << "purged a scope";
    return {};
}

Status RecordStore::hold(const Operation &op, int reason, const QByteArray &reject, bool retry)
{
    auto st =
        m_db.prepare("INSERT INTO rec_held(record, scope, op, reason, hq_state, at_ms, retry) "
                     "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM rec_held "
                     "WHERE record = ?1 AND op = ?3 AND reason = ?4)");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, op.recordId.view())
        .bind(2, op.scope)
        .bind(3, QByteArrayView(op.encode()))
        .bind(4, reason);
    if (reject.isEmpty())
        st->bindNull(5);
    else
        st->bind(5, QByteArrayView(reject));
    st->bind(6, m_hlc.physicalMs()).bind(7, retry ? 1 : 0);
    return st->exec();
}

Status RecordStore::holdUnsent(const QString &scope)
{
    if (m_role != ReplicaRole::Device)
        return {};
    auto st = m_db.prepare("SELECT op FROM rec_outbox WHERE scope = ?1 ORDER BY seq");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, scope);
    QList<Operation> ops;
    for (;;) {
        auto has = st->step();
        if (!has)
            return std::unexpected(has.error());
        if (!*has)
            break;
        auto op = Operation::decode(st->columnBlob(0));
        if (!op)
            return fail(Errc::Tampered, QStringLiteral("records: damaged outbox entry"));
        ops.append(std::move(*op));
    }
    for (const Operation &op : ops) {
        if (auto s = hold(op, kHeldScopeClosed, {}, false); !s)
            return s;
    }
    if (!ops.isEmpty())
        qCWarning(lcModel) << "scope closed with" << ops.size()
                           << "unsent operations: kept as "
                              "not delivered";
    return {};
}

Result<QList<HeldOperation>> RecordStore::heldOperations() const
{
    auto st =
        m_db.prepare("SELECT id, op, reason, hq_state, at_ms, retry FROM rec_held ORDER BY id");
    if (!st)
        return std::unexpected(st.error());
    QList<HeldOperation> out;
    for (;;) {
        auto has = st->step();
        if (!has)
            return std::unexpected(has.error());
        if (!*has)
            break;
        HeldOperation h;
        h.id = st->columnInt64(0);
        auto op = Operation::decode(st->columnBlob(1));
        if (!op)
            return fail(Errc::Tampered, QStringLiteral("records: damaged held entry"));
        h.op = std::move(*op);
        h.reason = int(st->columnInt64(2));
        if (!st->columnIsNull(3)) {
            auto reject = RejectPayload::fromCbor(QCborValue::fromCbor(st->columnBlob(3)));
            if (reject)
                h.hqState = reject->authoritative;
        }
        h.atMs = st->columnInt64(4);
        h.willRetry = st->columnInt64(5) != 0;
        out.append(std::move(h));
    }
    return out;
}

Status RecordStore::dismissHeld(qint64 id)
{
    auto st = m_db.prepare("DELETE FROM rec_held WHERE id = ?1 AND retry = 0");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, id);
    return st->exec();
}

Result<int> RecordStore::reissueHeld()
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("records: not open"));
    // Only once a verified HQ time says what "now" is at least (DESIGN.md "Data").
    if (m_role != ReplicaRole::Device || !m_hlc.hasReference())
        return 0;
    auto held = heldOperations();
    if (!held)
        return forwardError(held);
    int reissued = 0;
    for (const HeldOperation &h : *held) {
        if (!h.willRetry)
            continue;
        Operation op = h.op;
        if (!m_scopes.contains(op.scope)) {
            // Its scope closed meanwhile: it can no longer be delivered.
            auto fin = m_db.prepare("UPDATE rec_held SET retry = 0, reason = ?2 WHERE id = ?1");
            if (!fin)
                return std::unexpected(fin.error());
            fin->bind(1, h.id).bind(2, kHeldScopeClosed);
            if (auto s = fin->exec(); !s)
                return std::unexpected(s.error());
            continue;
        }
        Savepoint sp(m_db);
        if (auto s = sp.begin(); !s)
            return std::unexpected(s.error());
        auto loaded = loadRow(op.recordId);
        if (!loaded)
            return forwardError(loaded);
        op.stamp = m_hlc.tick();
        if (*loaded) {
            m_st->maxStamp.bind(1, (*loaded)->rid);
            auto has = m_st->maxStamp.step();
            if (!has) {
                m_st->maxStamp.reset();
                return forwardError(has);
            }
            std::optional<Hlc> highest;
            if (*has && !m_st->maxStamp.columnIsNull(0))
                highest = Hlc::decode(m_st->maxStamp.columnBlob(0));
            m_st->maxStamp.reset();
            if ((*loaded)->header.tombstone &&
                *(*loaded)->header.tombstone > highest.value_or(Hlc{}))
                highest = (*loaded)->header.tombstone;
            if (highest && !(*highest < op.stamp)) {
                m_hlc.observe(*highest);
                op.stamp = m_hlc.tick();
            }
        }
        auto done = commitLocal(std::move(op));
        auto del = m_db.prepare(done ? "DELETE FROM rec_held WHERE id = ?1"
                                     : "UPDATE rec_held SET retry = 0 WHERE id = ?1");
        if (!del)
            return std::unexpected(del.error());
        del->bind(1, h.id);
        if (auto s = del->exec(); !s)
            return std::unexpected(s.error());
        if (auto s = sp.release(); !s)
            return std::unexpected(s.error());
        if (done)
            ++reissued;
        else
            qCWarning(lcModel) << "held operation could not be re-issued:"
                               << errcName(done.error().code);
    }
    return reissued;
}

Result<QStringList> RecordStore::scopesWithRecords() const
{
    QStringList out;
    Statement &q = m_st->distinctScopes;
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        out.append(q.columnText(0));
    }
    q.reset();
    return out;
}

// ---- reading ----

Result<std::optional<RecordState>> RecordStore::record(const RecordId &id) const
{
    auto loaded = loadRow(id);
    if (!loaded)
        return forwardError(loaded);
    if (!*loaded)
        return std::optional<RecordState>();
    const Row &row = **loaded;
    RecordState st;
    st.id = id;
    st.type = row.header.type;
    st.scope = row.header.scope;
    st.owner = row.header.owner;
    if (row.header.tombstone) {
        st.deleted = true;
        st.tombstone = *row.header.tombstone;
    }
    Statement &q = m_st->selFields;
    q.bind(1, row.rid);
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        const auto stamp = Hlc::decode(q.columnBlob(2));
        if (!stamp) {
            q.reset();
            return fail(Errc::Tampered, QStringLiteral("records: damaged field stamp"));
        }
        st.fields.insert(q.columnText(0), FieldState{decodeValue(q.columnBlob(1)), *stamp});
    }
    q.reset();
    return std::optional<RecordState>(std::move(st));
}

Result<QList<RecordState>> RecordStore::records(const QStringList &scopes) const
{
    QStringList sorted = scopes;
    sorted.sort();
    sorted.removeDuplicates();
    QList<RecordState> out;
    Statement &q = m_st->selScope;
    for (const QString &scope : sorted) {
        q.bind(1, scope);
        for (;;) {
            auto has = q.step();
            if (!has) {
                q.reset();
                return forwardError(has);
            }
            if (!*has)
                break;
            const auto id = crypto::Id16::fromBytes(q.columnBlob(0));
            const auto type = recordTypeFromInt(q.columnInt64(1));
            if (!id || !type) {
                q.reset();
                return fail(Errc::Tampered, QStringLiteral("records: damaged record row"));
            }
            if (out.isEmpty() || out.last().id != *id) {
                RecordState st;
                st.id = *id;
                st.type = *type;
                st.scope = q.columnText(2);
                if (!q.columnIsNull(3))
                    st.owner = crypto::Id16::fromBytes(q.columnBlob(3));
                if (!q.columnIsNull(4)) {
                    const auto tomb = Hlc::decode(q.columnBlob(4));
                    if (!tomb) {
                        q.reset();
                        return fail(Errc::Tampered, QStringLiteral("records: damaged tombstone"));
                    }
                    st.deleted = true;
                    st.tombstone = *tomb;
                }
                out.append(std::move(st));
            }
            if (!q.columnIsNull(5)) {
                const auto stamp = Hlc::decode(q.columnBlob(7));
                if (!stamp) {
                    q.reset();
                    return fail(Errc::Tampered, QStringLiteral("records: damaged field stamp"));
                }
                out.last().fields.insert(q.columnText(5),
                                         FieldState{decodeValue(q.columnBlob(6)), *stamp});
            }
        }
        q.reset();
    }
    return out;
}

Result<QList<Operation>> RecordStore::snapshot(const QStringList &scopes) const
{
    auto states = records(scopes);
    if (!states)
        return forwardError(states);
    QList<Operation> ops;
    ops.reserve(states->size());
    for (const RecordState &st : *states)
        ops.append(st.toOperations());
    return ops;
}

Result<QByteArray> RecordStore::canonicalDump(const QStringList &scopes) const
{
    auto states = records(scopes);
    if (!states)
        return forwardError(states);
    QByteArray out;
    for (const RecordState &st : *states) {
        out += "R " + st.id.toHex() + ' ' + recordTypeName(st.type) + ' ' + st.scope.toUtf8();
        if (st.deleted)
            out += " deleted " + st.tombstone.toString().toLatin1();
        out += '\n';
        for (auto it = st.fields.cbegin(); it != st.fields.cend(); ++it) {
            out += "  " + it.key().toLatin1() + ' ' + encodeValue(it.value().value).toHex() + ' ' +
                   it.value().stamp.toString().toLatin1() + '\n';
        }
    }
    return out;
}

Result<QList<RecordId>> RecordStore::searchContacts(const QString &query, int limit) const
{
    QList<RecordId> out;
    const QString match = ftsQuery(query);
    if (match.isEmpty())
        return out;
    Statement &q = m_st->ftsSearch;
    q.bind(1, match).bind(2, limit);
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        if (const auto id = crypto::Id16::fromBytes(q.columnBlob(0)))
            out.append(*id);
    }
    q.reset();
    return out;
}

Result<QList<RecordStore::ContactListEntry>> RecordStore::contactList() const
{
    QList<ContactListEntry> out;
    Statement &q = m_st->contactList;
    q.bind(1, int(RecordType::Contact));
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        const auto id = crypto::Id16::fromBytes(q.columnBlob(1));
        if (!id)
            continue;
        ContactListEntry e{q.columnInt64(0), *id, q.columnText(2), q.columnText(3),
                           q.columnText(4)};
        e.initials = wordInitials(e.name) | wordInitials(e.organisation) | wordInitials(e.country) |
                     wordInitials(q.columnText(5)) | wordInitials(q.columnText(6));
        out.append(std::move(e));
    }
    q.reset();
    return out;
}

int RecordStore::initialBit(const QString &query)
{
    const QString match = ftsQuery(query);
    return match.size() == 2 ? asciiInitialBit(match.front().unicode()) : -1;
}

Result<QList<qint64>> RecordStore::matchContacts(const QString &query) const
{
    QList<qint64> out;
    const QString match = ftsQuery(query);
    if (match.isEmpty())
        return out;
    Statement &q = m_st->ftsMatch;
    q.bind(1, match);
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        out.append(q.columnInt64(0));
    }
    q.reset();
    return out;
}

Result<qint64> RecordStore::recordCount() const
{
    Statement &q = m_st->countRecords;
    auto has = q.step();
    if (!has) {
        q.reset();
        return forwardError(has);
    }
    const qint64 n = q.columnInt64(0);
    q.reset();
    return n;
}

// ---- outbox ----

Result<QList<OutboxEntry>> RecordStore::pendingOutbox(int limit) const
{
    QList<OutboxEntry> out;
    Statement &q = m_st->selOutbox;
    q.bind(1, limit);
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        auto op = Operation::decode(q.columnBlob(1));
        if (!op) {
            q.reset();
            return fail(Errc::Tampered, QStringLiteral("records: damaged outbox entry"));
        }
        out.append(OutboxEntry{q.columnInt64(0), std::move(*op)});
    }
    q.reset();
    return out;
}

Result<qint64> RecordStore::outboxCount() const
{
    Statement &q = m_st->countOutbox;
    auto has = q.step();
    if (!has) {
        q.reset();
        return forwardError(has);
    }
    const qint64 n = q.columnInt64(0);
    q.reset();
    return n;
}

Status RecordStore::markSent(qint64 upToSeq)
{
    m_st->delOutbox.bind(1, upToSeq);
    return m_st->delOutbox.exec();
}

} // namespace liaison::model
