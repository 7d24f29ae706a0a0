// Merge properties over the real store: commutative, associative, idempotent, delete wins, scope
// never changes, and the result equals an independent in-memory oracle of the merge rules.
// Randomised over many seeds; a failure names its seed (re-run one with LIAISON_MERGE_SEED=n).

#include "model/recordstore.h"
#include "modelreplica.h"
#include "testmain.h"

#include <QCborArray>
#include <QMap>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace liaison;
using namespace liaison::model;
using liaison::test::idOf;
using liaison::test::ModelReplica;

namespace {

struct RecordPlan
{
    RecordId id;
    RecordType type;
    QString scope;
    crypto::Id16 owner; // AuthorOnly: every op comes from it
};

// A random operation mix over a few records: field writes with colliding stamps, equal stamps
// from different origins, and tombstones.
QList<Operation> randomOps(quint32 seed, int count)
{
    QRandomGenerator rng(seed);
    QList<RecordPlan> plans;
    const int records = 2 + int(rng.bounded(5));
    for (int i = 0; i < records; ++i) {
        RecordPlan p;
        p.id = idOf(std::uint8_t(0x10 + i));
        p.type = rng.bounded(3) == 0 ? RecordType::FieldReport : RecordType::Contact;
        p.scope = rng.bounded(2) ? QStringLiteral("post:vienna") : QStringLiteral("post:prague");
        p.owner = idOf(std::uint8_t(1 + rng.bounded(3)));
        plans.append(p);
    }
    const QStringList contactFields = {QStringLiteral("name"), QStringLiteral("role"),
                                       QStringLiteral("tags"), QStringLiteral("notes")};
    const QStringList reportFields = {QStringLiteral("text"), QStringLiteral("time")};
    QList<Operation> ops;
    for (int i = 0; i < count; ++i) {
        const RecordPlan &p = plans[int(rng.bounded(plans.size()))];
        Operation op;
        op.recordId = p.id;
        op.type = p.type;
        op.scope = p.scope;
        const crypto::Id16 origin =
            p.type == RecordType::FieldReport ? p.owner : idOf(std::uint8_t(1 + rng.bounded(3)));
        // Few distinct times and counters: many ties on ms, some full-stamp ties.
        op.stamp =
            Hlc{quint64(1'790'000'000'000 + rng.bounded(6)), quint16(rng.bounded(3)), origin};
        if (rng.bounded(10) == 0) {
            op.tombstone = true;
        } else {
            const QStringList &names = p.type == RecordType::Contact ? contactFields : reportFields;
            const int n = 1 + int(rng.bounded(names.size()));
            for (int k = 0; k < n; ++k) {
                const QString &name = names[int(rng.bounded(names.size()))];
                const int v = int(rng.bounded(4));
                if (name == QLatin1String("tags"))
                    op.fields.insert(name, QCborArray{QStringLiteral("t%1").arg(v)});
                else if (name == QLatin1String("time"))
                    op.fields.insert(name, qint64(v));
                else
                    op.fields.insert(name, QStringLiteral("v%1").arg(v));
            }
        }
        ops.append(op);
    }
    return ops;
}

// The merge rules written out independently of the store.
QByteArray oracleDump(const QList<Operation> &ops)
{
    struct Field
    {
        QByteArray value;
        Hlc stamp;
    };
    struct Rec
    {
        RecordType type;
        QString scope;
        std::optional<Hlc> tomb;
        QMap<QString, Field> fields;
    };
    QMap<QPair<QString, QByteArray>, Rec> recs; // (scope, id) order, like the dump
    for (const Operation &op : ops) {
        Rec &r = recs[{op.scope, op.recordId.toByteArray()}];
        r.type = op.type;
        r.scope = op.scope;
        if (op.tombstone) {
            if (!r.tomb || *r.tomb < op.stamp)
                r.tomb = op.stamp;
            continue;
        }
        for (auto it = op.fields.cbegin(); it != op.fields.cend(); ++it) {
            const QByteArray v = it.value().toCbor();
            auto f = r.fields.find(it.key());
            if (f == r.fields.end() || f->stamp < op.stamp ||
                (f->stamp == op.stamp && f->value < v))
                r.fields[it.key()] = Field{v, op.stamp};
        }
    }
    QByteArray out;
    for (auto it = recs.cbegin(); it != recs.cend(); ++it) {
        const Rec &r = it.value();
        out +=
            "R " + it.key().second.toHex() + ' ' + recordTypeName(r.type) + ' ' + r.scope.toUtf8();
        if (r.tomb) {
            out += " deleted " + r.tomb->toString().toLatin1() + '\n';
            continue;
        }
        out += '\n';
        for (auto f = r.fields.cbegin(); f != r.fields.cend(); ++f)
            out += "  " + f.key().toLatin1() + ' ' + f->value.toHex() + ' ' +
                   f->stamp.toString().toLatin1() + '\n';
    }
    return out;
}

const QStringList kScopes = {QStringLiteral("post:prague"), QStringLiteral("post:vienna")};

} // namespace

class TestMerge : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    ModelReplica m_a, m_b, m_c, m_d;

    bool clear(ModelReplica &r) { return r.records->resetToSnapshot({}, {}).has_value(); }

    bool apply(ModelReplica &r, const QList<Operation> &ops)
    {
        auto s = r.records->applyRemoteBatch(ops);
        if (!s)
            qWarning("apply failed: %s", qPrintable(s.error().message));
        return s.has_value();
    }

    bool transfer(ModelReplica &from, ModelReplica &to)
    {
        auto snap = from.records->snapshot(kScopes);
        return snap && apply(to, *snap);
    }

    QList<quint32> seeds() const
    {
        if (qEnvironmentVariableIsSet("LIAISON_MERGE_SEED"))
            return {quint32(qEnvironmentVariableIntValue("LIAISON_MERGE_SEED"))};
        QList<quint32> out;
        for (quint32 s = 1; s <= 300; ++s)
            out.append(s);
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // HQ-role replicas: they hold every scope, so any generated op applies.
        int n = 0;
        for (ModelReplica *r : {&m_a, &m_b, &m_c, &m_d}) {
            auto s = r->open(m_dir.path(), QStringLiteral("r%1").arg(n),
                             idOf(std::uint8_t(0xa0 + n)), ReplicaRole::Hq);
            QVERIFY2(s.has_value(), s ? "" : qPrintable(s.error().message));
            ++n;
        }
    }

    void commutativeAndMatchesOracle()
    {
        for (const quint32 seed : seeds()) {
            const QList<Operation> ops = randomOps(seed, 40);
            QList<Operation> shuffled = ops;
            QRandomGenerator rng(seed ^ 0x5eed);
            std::shuffle(shuffled.begin(), shuffled.end(), rng);
            QVERIFY(clear(m_a) && clear(m_b));
            QVERIFY(apply(m_a, ops));
            // One at a time in another order, inside one outer transaction (the receiver's
            // situation): batch and single application agree too.
            QVERIFY(m_b.db->begin().has_value());
            for (const Operation &op : shuffled)
                QVERIFY(m_b.records->applyRemote(op).has_value());
            QVERIFY(m_b.db->commit().has_value());
            const QByteArray expected = oracleDump(ops);
            QVERIFY2(m_a.dump(kScopes) == expected,
                     qPrintable(QStringLiteral("seed %1").arg(seed)));
            QVERIFY2(m_b.dump(kScopes) == expected,
                     qPrintable(QStringLiteral("seed %1").arg(seed)));
        }
    }

    void idempotent()
    {
        for (const quint32 seed : seeds()) {
            const QList<Operation> ops = randomOps(seed, 30);
            QVERIFY(clear(m_a));
            QVERIFY(apply(m_a, ops));
            const QByteArray once = m_a.dump(kScopes);
            // Everything again, then random duplicates: no change at all.
            auto again = m_a.records->applyRemoteBatch(ops);
            QVERIFY(again.has_value());
            QVERIFY2(again->changed == 0, qPrintable(QStringLiteral("seed %1").arg(seed)));
            QRandomGenerator rng(seed);
            QList<Operation> dups;
            for (int i = 0; i < 20; ++i)
                dups.append(ops[int(rng.bounded(ops.size()))]);
            QVERIFY(apply(m_a, dups));
            QVERIFY2(m_a.dump(kScopes) == once, qPrintable(QStringLiteral("seed %1").arg(seed)));
            // A replica's own snapshot merged into itself changes nothing either.
            auto snap = m_a.records->snapshot(kScopes);
            QVERIFY(snap.has_value());
            auto self = m_a.records->applyRemoteBatch(*snap);
            QVERIFY(self.has_value());
            QCOMPARE(self->changed, 0);
        }
    }

    void associative()
    {
        // (A ⊔ B) ⊔ C == A ⊔ (B ⊔ C), with ⊔ = merging one replica's snapshot into another.
        for (const quint32 seed : seeds()) {
            const QList<Operation> ops = randomOps(seed, 45);
            const QList<Operation> a = ops.mid(0, 15), b = ops.mid(15, 15), c = ops.mid(30);
            for (ModelReplica *r : {&m_a, &m_b, &m_c, &m_d})
                QVERIFY(clear(*r));
            // left: m_a = A, += B, then += snapshot(C in m_c)
            QVERIFY(apply(m_a, a) && apply(m_a, b));
            QVERIFY(apply(m_c, c));
            QVERIFY(transfer(m_c, m_a));
            // right: m_b = B, += C, then m_d = A += snapshot(m_b)
            QVERIFY(apply(m_b, b) && apply(m_b, c));
            QVERIFY(apply(m_d, a));
            QVERIFY(transfer(m_b, m_d));
            const QByteArray expected = oracleDump(ops);
            QVERIFY2(m_a.dump(kScopes) == expected,
                     qPrintable(QStringLiteral("seed %1").arg(seed)));
            QVERIFY2(m_d.dump(kScopes) == expected,
                     qPrintable(QStringLiteral("seed %1").arg(seed)));
        }
    }

    void deleteWins()
    {
        QVERIFY(clear(m_a));
        const RecordId id = idOf(0x42);
        Operation write;
        write.recordId = id;
        write.type = RecordType::Contact;
        write.scope = QStringLiteral("post:vienna");
        write.fields.insert(QStringLiteral("name"), QStringLiteral("before"));
        write.stamp = Hlc{100, 0, idOf(1)};
        Operation tomb = write;
        tomb.fields.clear();
        tomb.tombstone = true;
        tomb.stamp = Hlc{50, 0, idOf(2)}; // older than the write: still wins
        Operation later = write;
        later.fields[QStringLiteral("name")] = QStringLiteral("after");
        later.stamp = Hlc{200, 0, idOf(1)};

        QVERIFY(apply(m_a, {write, tomb, later}));
        auto st = m_a.records->record(id);
        QVERIFY(st.has_value() && st->has_value());
        QVERIFY((*st)->deleted);
        QVERIFY((*st)->fields.isEmpty()); // values dropped
        QCOMPARE((*st)->tombstone, tomb.stamp);
        // A later tombstone raises the kept stamp; an older one does not.
        Operation tomb2 = tomb;
        tomb2.stamp = Hlc{300, 0, idOf(3)};
        QVERIFY(apply(m_a, {tomb2, tomb}));
        st = m_a.records->record(id);
        QCOMPARE((*st)->tombstone, tomb2.stamp);
        // Local edits of a deleted record are refused: undelete means a new id.
        QVERIFY(!m_a.records->update(id, {{QStringLiteral("name"), QStringLiteral("x")}}));
    }

    void scopeAndTypeNeverChange()
    {
        QVERIFY(clear(m_a));
        Operation op;
        op.recordId = idOf(0x43);
        op.type = RecordType::Contact;
        op.scope = QStringLiteral("post:vienna");
        op.fields.insert(QStringLiteral("name"), QStringLiteral("x"));
        op.stamp = Hlc{100, 0, idOf(1)};
        QVERIFY(apply(m_a, {op}));
        const QByteArray before = m_a.dump(kScopes);

        Operation moved = op;
        moved.scope = QStringLiteral("post:prague");
        moved.stamp = Hlc{200, 0, idOf(1)};
        auto r = m_a.records->applyRemote(moved);
        QVERIFY(!r.has_value());
        QCOMPARE(r.error().code, Errc::Refused);

        Operation retyped = op;
        retyped.type = RecordType::FieldReport;
        retyped.fields = {{QStringLiteral("text"), QStringLiteral("x")}};
        retyped.stamp = Hlc{200, 0, idOf(1)};
        QVERIFY(!m_a.records->applyRemote(retyped).has_value());

        // A moving tombstone is refused as well, and a failed batch leaves nothing behind.
        Operation movedTomb = moved;
        movedTomb.fields.clear();
        movedTomb.tombstone = true;
        Operation fine = op;
        fine.stamp = Hlc{300, 0, idOf(1)};
        fine.fields[QStringLiteral("name")] = QStringLiteral("y");
        QVERIFY(!m_a.records->applyRemoteBatch(QList<Operation>{fine, movedTomb}).has_value());
        QCOMPARE(m_a.dump(kScopes), before);
    }
};

LIAISON_TEST_MAIN(TestMerge)
#include "tst_merge.moc"
