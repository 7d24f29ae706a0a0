#include "crypto/crypto.h"
#include "model/operation.h"
#include "model/payloads.h"
#include "model/records.h"
#include "testmain.h"

#include <QCborArray>
#include <QCborMap>
#include <QSet>
#include <QTest>

using namespace liaison;
using namespace liaison::model;

namespace {
crypto::Id16 idOf(std::uint8_t b)
{
    crypto::Id16 id;
    id.bytes.fill(b);
    return id;
}

QCborMap unsortedPhone(const QString &label, const QString &number, bool h24)
{
    // Deliberately not in canonical key order: normalization sorts it.
    QCborMap m;
    m.insert(kPhone24h, h24);
    m.insert(kPhoneNumber, number);
    m.insert(kPhoneLabel, label);
    return m;
}

Operation contactOp()
{
    Operation op;
    op.recordId = newRecordId();
    op.type = RecordType::Contact;
    op.scope = QStringLiteral("post:prague");
    op.stamp = Hlc{1'790'000'000'123, 4, idOf(7)};
    op.fields.insert(QStringLiteral("name"), QStringLiteral("Stálá služba 24/7"));
    op.fields.insert(QStringLiteral("phones"),
                     QCborArray{unsortedPhone(QStringLiteral("24/7"),
                                              QStringLiteral("+420 974 834 210"), true)});
    op.fields.insert(QStringLiteral("emails"), QCborArray{QStringLiteral("rmps@pcr.cz")});
    op.fields.insert(QStringLiteral("lastVerified"), qint64(1'790'000'000'000));
    return op;
}

template <typename R> QByteArray why(const R &r)
{
    return r ? QByteArray() : r.error().message.toUtf8();
}

QByteArray withKey(const QCborMap &base, const QCborValue &key, const QCborValue &value)
{
    QCborMap m = base;
    m.insert(key, value);
    return QCborValue(m).toCbor();
}
} // namespace

class TestRecords : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void schemasAreSortedAndComplete()
    {
        for (RecordType t : kAllRecordTypes) {
            const auto specs = fieldSpecs(t);
            QVERIFY(!specs.empty());
            QSet<QByteArray> names;
            for (std::size_t i = 0; i < specs.size(); ++i) {
                QCOMPARE(specs[i].key, int(i + 1)); // dense, ascending, never renumbered
                QVERIFY2(!names.contains(specs[i].name), specs[i].name);
                names.insert(specs[i].name);
                QCOMPARE(fieldSpecByKey(t, specs[i].key), &specs[i]);
            }
            for (const FieldSpec &s : specs) {
                // The empty value of every field is valid.
                QVERIFY2(normalizeField(s, emptyValue(s.kind)).has_value(), s.name);
            }
        }
        // DESIGN.md "Data" fields are there.
        for (const char *f : {"name", "organisation", "role", "country", "phones", "emails", "fax",
                              "address", "languages", "timeZone", "notes", "tags", "lastVerified"})
            QVERIFY2(fieldSpec(RecordType::Contact, QString::fromLatin1(f)), f);
        for (const char *f : {"reference", "channel", "title", "status", "priority", "summary",
                              "countries", "linkedContacts", "handlingCode", "updated"})
            QVERIFY2(fieldSpec(RecordType::CaseSummary, QString::fromLatin1(f)), f);
        for (const char *f : {"title", "body", "issuedBy", "issuedAt", "validFrom", "validUntil",
                              "priority", "requiresAck", "version"})
            QVERIFY2(fieldSpec(RecordType::Instruction, QString::fromLatin1(f)), f);
        for (const char *f : {"visit", "title", "start", "end", "timeZone", "venue", "address",
                              "position", "participants", "escortNotes", "status"})
            QVERIFY2(fieldSpec(RecordType::ScheduleItem, QString::fromLatin1(f)), f);
        for (const char *f : {"instruction", "version", "contentHash", "time"})
            QVERIFY2(fieldSpec(RecordType::Acknowledgement, QString::fromLatin1(f)), f);
        for (const char *f : {"text", "time", "position", "related"})
            QVERIFY2(fieldSpec(RecordType::FieldReport, QString::fromLatin1(f)), f);
        for (const char *f : {"scheduleItem", "time", "position"})
            QVERIFY2(fieldSpec(RecordType::CheckIn, QString::fromLatin1(f)), f);
    }

    void writerRules()
    {
        QCOMPARE(writerRule(RecordType::Contact), WriterRule::HqAndScopeMembers);
        QCOMPARE(writerRule(RecordType::CaseSummary), WriterRule::HqOnly);
        QCOMPARE(writerRule(RecordType::Instruction), WriterRule::HqOnly);
        QCOMPARE(writerRule(RecordType::ScheduleItem), WriterRule::HqOnly);
        QCOMPARE(writerRule(RecordType::Acknowledgement), WriterRule::AuthorOnly);
        QCOMPARE(writerRule(RecordType::FieldReport), WriterRule::AuthorOnly);
        QCOMPARE(writerRule(RecordType::CheckIn), WriterRule::AuthorOnly);
    }

    void scopes()
    {
        QVERIFY(isValidScope(u"post:vienna"));
        QVERIFY(isValidScope(u"visit:2026-12-brussels"));
        QVERIFY(!isValidScope(u"Post:vienna"));
        QVERIFY(!isValidScope(u"post:"));
        QVERIFY(!isValidScope(u":vienna"));
        QVERIFY(!isValidScope(u"post:vi enna"));
        QVERIFY(!isValidScope(u"post:víden"));
        QVERIFY(!isValidScope(QString(65, QLatin1Char('a')).replace(4, 1, QLatin1Char(':'))));
    }

    void operationRoundTripsCanonically()
    {
        Operation op = contactOp();
        QVERIFY(op.validate().has_value());
        const QByteArray bytes = op.encode();
        auto back = Operation::decode(bytes);
        QVERIFY2(back.has_value(), why(back).constData());
        QCOMPARE(back->encode(), bytes);
        QCOMPARE(back->recordId, op.recordId);
        QCOMPARE(back->stamp, op.stamp);
        QCOMPARE(back->author(), idOf(7));
        QCOMPARE(back->fields.value(QStringLiteral("name")).toString(),
                 QStringLiteral("Stálá služba 24/7"));
        // The phone map was normalized into canonical key order.
        const QCborMap p = back->fields.value(QStringLiteral("phones")).toArray().at(0).toMap();
        QCOMPARE(p.keys().at(0).toInteger(), qint64(kPhoneLabel));
        QCOMPARE(p.value(kPhoneNumber).toString(), QStringLiteral("+420 974 834 210"));

        Operation tomb = op;
        tomb.fields.clear();
        tomb.tombstone = true;
        auto t = Operation::decode(tomb.encode());
        QVERIFY(t.has_value());
        QVERIFY(t->tombstone);
        QVERIFY(t->fields.isEmpty());
        // A single changed field is small (bench goal: the whole envelope <= 1024 bytes).
        Operation one = op;
        one.fields = {{QStringLiteral("role"), QStringLiteral("duty officer")}};
        QVERIFY(one.encode().size() < 120);
    }

    void decoderRejectsEverythingElse()
    {
        Operation op = contactOp();
        QVERIFY(op.validate().has_value());
        const QCborMap good = op.toCbor();
        QVERIFY(Operation::fromCbor(good).has_value());

        QList<QPair<const char *, QByteArray>> bad;
        bad.append({"unknown key", withKey(good, 8, 1)});
        bad.append({"text key", withKey(good, QStringLiteral("x"), 1)});
        bad.append({"negative key", withKey(good, -1, 1)});
        bad.append({"tombstone false", withKey(good, 6, false)});
        bad.append({"tombstone with fields", withKey(good, 6, true)});
        bad.append({"type 0", withKey(good, 1, 0)});
        bad.append({"type 8", withKey(good, 1, 8)});
        bad.append({"scope", withKey(good, 2, QStringLiteral("Vienna"))});
        bad.append({"ms too big", withKey(good, 3, qint64(1) << 48)});
        bad.append({"negative ms", withKey(good, 3, -1)});
        bad.append({"counter", withKey(good, 4, 0x10000)});
        bad.append({"origin length", withKey(good, 5, QByteArray(15, 'a'))});
        bad.append({"zero origin", withKey(good, 5, QByteArray(16, '\0'))});
        bad.append({"id length", withKey(good, 0, QByteArray(17, 'a'))});
        bad.append({"no fields", withKey(good, 7, QCborMap())});
        {
            QCborMap fields = good.value(7).toMap();
            fields.insert(99, 44);
            bad.append({"unknown field", withKey(good, 7, fields)});
        }
        {
            QCborMap fields = good.value(7).toMap();
            fields.insert(1, 44); // name
            bad.append({"mistyped field", withKey(good, 7, fields)});
        }
        {
            QCborMap fields = good.value(7).toMap();
            fields.insert(
                5, QCborArray{unsortedPhone(QStringLiteral("x"), QStringLiteral("1"), true)});
            bad.append({"non-canonical phone map", withKey(good, 7, fields)});
        }
        {
            QCborMap fields;
            fields.insert(7, QCborArray());        // fax
            fields.insert(1, QStringLiteral("a")); // name
            bad.append({"unsorted field keys", withKey(good, 7, fields)});
            QCborMap textKeyed;
            textKeyed.insert(QStringLiteral("name"), QStringLiteral("a"));
            bad.append({"text field key", withKey(good, 7, textKeyed)});
        }
        {
            QCborMap fields = good.value(7).toMap();
            fields.insert(11, QStringLiteral("bell\a")); // notes
            bad.append({"control character", withKey(good, 7, fields)});
        }
        {
            QCborMap m;
            m.insert(1, good.value(1));
            m.insert(0, good.value(0));
            for (int k = 2; k <= 7; ++k) {
                if (good.contains(k))
                    m.insert(k, good.value(k));
            }
            bad.append({"unsorted keys", QCborValue(m).toCbor()});
        }
        {
            QCborMap m = good;
            m.remove(3);
            bad.append({"missing stamp", QCborValue(m).toCbor()});
        }
        for (const auto &[why, bytes] : bad)
            QVERIFY2(!Operation::decode(bytes).has_value(), why);

        QByteArray trailing = op.encode();
        trailing.append('\0');
        QVERIFY(!Operation::decode(trailing).has_value());
        QVERIFY(!Operation::decode(QByteArray()).has_value());
    }

    void fieldValidation()
    {
        const FieldSpec *pos = fieldSpec(RecordType::FieldReport, u"position");
        QVERIFY(pos);
        QVERIFY(normalizeField(*pos, QCborArray{500'000'000, 144'000'000}).has_value());
        QVERIFY(!normalizeField(*pos, QCborArray{900'000'001, 0}).has_value());
        QVERIFY(!normalizeField(*pos, QCborArray{1, 2, 3}).has_value());
        QVERIFY(!normalizeField(*pos, QCborArray{1.5, 2}).has_value());
        const FieldSpec *channel = fieldSpec(RecordType::CaseSummary, u"channel");
        QVERIFY(normalizeField(*channel, QStringLiteral("sirene")).has_value());
        QVERIFY(!normalizeField(*channel, QStringLiteral("carrier pigeon")).has_value());
        const FieldSpec *hash = fieldSpec(RecordType::Acknowledgement, u"contentHash");
        QVERIFY(normalizeField(*hash, QByteArray(32, 'h')).has_value());
        QVERIFY(!normalizeField(*hash, QByteArray(31, 'h')).has_value());
        const FieldSpec *prio = fieldSpec(RecordType::CaseSummary, u"priority");
        QVERIFY(!normalizeField(*prio, 6).has_value());
        const FieldSpec *name = fieldSpec(RecordType::Contact, u"name");
        QVERIFY(!normalizeField(*name, QString(257, QLatin1Char('x'))).has_value());
    }

    void recordStateRoundTripsAndRebuildsAsOperations()
    {
        RecordState st;
        st.id = newRecordId();
        st.type = RecordType::FieldReport;
        st.scope = QStringLiteral("visit:2026-12-brussels");
        st.fields.insert(QStringLiteral("text"), {QStringLiteral("arrived"), Hlc{10, 0, idOf(3)}});
        st.fields.insert(QStringLiteral("time"), {qint64(99), Hlc{10, 0, idOf(3)}});
        st.fields.insert(QStringLiteral("related"), {QByteArray(), Hlc{12, 1, idOf(3)}});
        st.owner = idOf(3);
        auto back = RecordState::fromCbor(st.toCbor());
        QVERIFY2(back.has_value(), why(back).constData());
        QCOMPARE(*back, st);
        const QList<Operation> ops = st.toOperations();
        QCOMPARE(ops.size(), 2); // grouped by stamp
        QCOMPARE(ops[0].fields.size(), 2);
        QCOMPARE(ops[1].fields.size(), 1);

        RecordState dead = st;
        dead.fields.clear();
        dead.deleted = true;
        dead.tombstone = Hlc{20, 0, idOf(3)};
        auto d = RecordState::fromCbor(dead.toCbor());
        QVERIFY(d.has_value());
        QCOMPARE(*d, dead);
        QCOMPARE(dead.toOperations().size(), 1);
        QVERIFY(dead.toOperations().at(0).tombstone);

        // An author-only record whose fields come from two origins is malformed.
        RecordState mixed = st;
        mixed.fields[QStringLiteral("time")].stamp.origin = idOf(4);
        QVERIFY(!RecordState::fromCbor(mixed.toCbor()).has_value());
    }

    void payloadsRoundTrip()
    {
        Operation op = contactOp();
        QVERIFY(op.validate().has_value());
        DeltaPayload delta{{op, op}};
        auto d = DeltaPayload::fromCbor(delta.toCbor());
        QVERIFY(d.has_value());
        QCOMPARE(d->ops.size(), 2);
        QVERIFY(!DeltaPayload::fromCbor(DeltaPayload{}.toCbor()).has_value());

        ScopeJoinPayload join{QStringLiteral("post:prague"), 2, 3, {op}};
        auto j = ScopeJoinPayload::fromCbor(join.toCbor());
        QVERIFY(j.has_value());
        QCOMPARE(j->part, 2);
        QCOMPARE(j->parts, 3);
        ScopeJoinPayload badPart{QStringLiteral("post:prague"), 4, 3, {}};
        QVERIFY(!ScopeJoinPayload::fromCbor(badPart.toCbor()).has_value());
        ScopeJoinPayload otherScope{QStringLiteral("post:vienna"), 1, 1, {op}};
        QVERIFY(!ScopeJoinPayload::fromCbor(otherScope.toCbor()).has_value());

        auto l = ScopeLeavePayload::fromCbor(ScopeLeavePayload{QStringLiteral("post:x")}.toCbor());
        QVERIFY(l.has_value());
        QCOMPARE(l->scope, QStringLiteral("post:x"));

        RejectPayload rej{op, RejectReason::ClockAhead, std::nullopt};
        auto r = RejectPayload::fromCbor(rej.toCbor());
        QVERIFY(r.has_value());
        QCOMPARE(r->reason, RejectReason::ClockAhead);
        QVERIFY(!r->authoritative.has_value());
        RecordState st;
        st.id = op.recordId;
        st.type = op.type;
        st.scope = op.scope;
        st.fields.insert(QStringLiteral("name"), {QStringLiteral("HQ name"), Hlc{5, 0, idOf(1)}});
        rej.authoritative = st;
        r = RejectPayload::fromCbor(rej.toCbor());
        QVERIFY(r.has_value());
        QCOMPARE(*r->authoritative, st);
        st.id = newRecordId();
        rej.authoritative = st;
        QVERIFY(!RejectPayload::fromCbor(rej.toCbor()).has_value());
    }
};

LIAISON_TEST_MAIN(TestRecords)
#include "tst_records.moc"
