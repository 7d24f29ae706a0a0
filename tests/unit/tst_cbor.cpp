// The strict deterministic CBOR codec. Byte vectors are written by hand from RFC 8949 (§3 major
// types, §4.2.1 core deterministic encoding requirements, Appendix A examples).
#include "protocol/cbor.h"
#include "testmain.h"

#include <QElapsedTimer>
#include <QTest>

using namespace liaison;
using namespace liaison::protocol;

namespace {

QByteArray hex(const char *h)
{
    return QByteArray::fromHex(h);
}

QCborValue randomValue(int depth)
{
    const std::uint32_t pick = crypto::randomUniform(depth > 3 ? 6 : 8);
    switch (pick) {
    case 0: {
        static const qint64 edges[] = {0,     1,         23,        24,           255,         256,
                                       65535, 65536,     -1,        -24,          -25,         -256,
                                       -257,  INT64_MAX, INT64_MIN, 4294967295LL, 4294967296LL};
        return QCborValue(edges[crypto::randomUniform(std::size(edges))]);
    }
    case 1:
        return QCborValue(crypto::randomBytes(qsizetype(crypto::randomUniform(40))));
    case 2: {
        static const QString texts[] = {QString(), QStringLiteral("post:vienna"),
                                        QStringLiteral("Zürich – 東京"),
                                        QString(300, QLatin1Char('x'))};
        return QCborValue(texts[crypto::randomUniform(std::size(texts))]);
    }
    case 3:
        return QCborValue(true);
    case 4:
        return QCborValue(false);
    case 5:
        return QCborValue(nullptr);
    case 6: {
        QCborArray a;
        const auto n = crypto::randomUniform(5);
        for (std::uint32_t i = 0; i < n; ++i)
            a.append(randomValue(depth + 1));
        return a;
    }
    default: {
        QCborMap m;
        const auto n = crypto::randomUniform(6);
        for (std::uint32_t i = 0; i < n; ++i)
            m.insert(qint64(crypto::randomUniform(300)), randomValue(depth + 1));
        return m;
    }
    }
}

} // namespace

class TestCbor : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void acceptsCanonicalVectors_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("0") << hex("00");
        QTest::newRow("23") << hex("17");
        QTest::newRow("24") << hex("1818");
        QTest::newRow("256") << hex("190100");
        QTest::newRow("65536") << hex("1a00010000");
        QTest::newRow("2^32") << hex("1b0000000100000000");
        QTest::newRow("int64 max") << hex("1b7fffffffffffffff");
        QTest::newRow("-1") << hex("20");
        QTest::newRow("-25") << hex("3818");
        QTest::newRow("int64 min") << hex("3b7fffffffffffffff");
        QTest::newRow("empty bytes") << hex("40");
        QTest::newRow("bytes") << hex("4401020304");
        QTest::newRow("text") << hex("6449455446");
        QTest::newRow("utf8 text") << hex("62c3bc");
        QTest::newRow("false") << hex("f4");
        QTest::newRow("true") << hex("f5");
        QTest::newRow("null") << hex("f6");
        QTest::newRow("array") << hex("83010203");
        QTest::newRow("map") << hex("a2000101820203");
        QTest::newRow("map keys 23 24 256") << hex("a3170018180019010000");
        QTest::newRow("24-byte text") << hex("7818") + QByteArray(24, 'a');
    }
    void acceptsCanonicalVectors()
    {
        QFETCH(QByteArray, bytes);
        auto v = cbor::decodeStrict(bytes);
        QVERIFY2(v, v ? "" : qPrintable(v.error().message));
        QCOMPARE(*cbor::encode(*v), bytes);
    }

    void rejectsEverythingElse_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("empty input") << QByteArray();
        QTest::newRow("trailing byte") << hex("a1000100");
        QTest::newRow("trailing item") << hex("0000");
        QTest::newRow("non-minimal int 1-byte") << hex("1805");
        QTest::newRow("non-minimal int 2-byte") << hex("190017");
        QTest::newRow("non-minimal int 4-byte") << hex("1a000000ff");
        QTest::newRow("non-minimal int 8-byte") << hex("1b00000000ffffffff");
        QTest::newRow("non-minimal negative") << hex("3800");
        QTest::newRow("non-minimal map key") << hex("a1180001");
        QTest::newRow("non-minimal byte length") << hex("580141");
        QTest::newRow("non-minimal text length") << hex("780161");
        QTest::newRow("non-minimal array length") << hex("980100");
        QTest::newRow("non-minimal map length") << hex("b8010001");
        QTest::newRow("unsorted keys") << hex("a201000000");
        QTest::newRow("unsorted keys 24 then 23") << hex("a218180017 00");
        QTest::newRow("duplicate keys") << hex("a200000001");
        QTest::newRow("text key") << hex("a1616100");
        QTest::newRow("negative key") << hex("a12000");
        QTest::newRow("bytes key") << hex("a1400000");
        QTest::newRow("indefinite bytes") << hex("5f4161ff");
        QTest::newRow("indefinite text") << hex("7f6161ff");
        QTest::newRow("indefinite array") << hex("9f00ff");
        QTest::newRow("indefinite map") << hex("bf0000ff");
        QTest::newRow("tag 0 on text") << hex("c06130");
        QTest::newRow("tag 1 on int") << hex("c100");
        QTest::newRow("tag 32 on text") << hex("d8206161");
        QTest::newRow("bignum") << hex("c24101");
        QTest::newRow("half float") << hex("f90000");
        QTest::newRow("float") << hex("fa3f800000");
        QTest::newRow("double") << hex("fb3ff0000000000000");
        QTest::newRow("undefined") << hex("f7");
        QTest::newRow("simple 16") << hex("f0");
        QTest::newRow("simple 32") << hex("f820");
        QTest::newRow("simple 20 two-byte") << hex("f814");
        QTest::newRow("break alone") << hex("ff");
        QTest::newRow("uint over int64") << hex("1bffffffffffffffff");
        QTest::newRow("negative under int64") << hex("3bffffffffffffffff");
        QTest::newRow("negative just under int64") << hex("3b8000000000000000");
        QTest::newRow("invalid utf-8") << hex("62c328");
        QTest::newRow("overlong utf-8") << hex("62c0af");
        QTest::newRow("truncated map") << hex("a2000100");
        QTest::newRow("truncated bytes") << hex("4200");
        QTest::newRow("huge byte length") << hex("5b00000000ffffffff00");
        QTest::newRow("huge array length") << hex("9bffffffffffffffff00");
        QTest::newRow("reserved additional info") << hex("1c");
        QTest::newRow("map value missing") << hex("a100");
        QTest::newRow("truncated nested") << hex("a10081");
    }
    void rejectsEverythingElse()
    {
        QFETCH(QByteArray, bytes);
        bytes.replace(' ', QByteArray());
        auto v = cbor::decodeStrict(bytes);
        QVERIFY(!v);
        QCOMPARE(v.error().code, Errc::Malformed);
    }

    // Issue 8 point 12 (security review L-13): a map of many strictly ascending keys is valid
    // framing, but decoding it into QCborMap is quadratic. It is refused at its length.
    void longMapIsRefusedAtItsLength()
    {
        const int n = 20000;
        QByteArray bytes;
        bytes.append(char(0xb9)); // map, 16-bit length
        bytes.append(char(n >> 8)).append(char(n & 0xff));
        for (int k = 0; k < n; ++k) {
            if (k < 24) // keys in their shortest (canonical) form
                bytes.append(char(k));
            else if (k < 256)
                bytes.append(char(0x18)).append(char(k));
            else
                bytes.append(char(0x19)).append(char(k >> 8)).append(char(k & 0xff));
            bytes.append(char(0x00)); // value 0
        }
        QElapsedTimer t;
        t.start();
        const auto v = cbor::decodeStrict(bytes);
        QVERIFY(!v);
        QVERIFY(t.elapsed() < 1000);
        QVERIFY(cbor::decodeStrict(hex("a200000100"))); // {0: 0, 1: 0}: fine
    }

    void depthAndItemLimits()
    {
        QByteArray deep(17, char(0x81));
        deep.append(char(0));
        QVERIFY(!cbor::decodeStrict(deep)); // 17 nested arrays: over maxDepth = 16
        QVERIFY(cbor::decodeStrict(deep.mid(1)));
        cbor::DecodeLimits small;
        small.maxItems = 3;
        QVERIFY(cbor::decodeStrict(hex("820102"), small));
        QVERIFY(!cbor::decodeStrict(hex("83010203"), small));
        QByteArray veryDeep(100000, char(0x81)); // no stack overflow
        veryDeep.append(char(0));
        QVERIFY(!cbor::decodeStrict(veryDeep));
    }

    void encoderSortsKeysAndRefusesOffModelValues()
    {
        QCborMap m;
        m.insert(300, 1);
        m.insert(24, 2);
        m.insert(0, QCborMap{{5, 1}, {1, 2}});
        QCOMPARE(*cbor::encode(m), hex("a300a2010205011818021901 2c01").replace(' ', ""));
        QVERIFY(!cbor::encode(QCborValue(1.5)));
        QVERIFY(!cbor::encode(QCborValue(QCborValue::Undefined)));
        QVERIFY(!cbor::encode(QCborValue(QCborKnownTags::Signature, QCborValue(1))));
        QVERIFY(!cbor::encode(QCborMap{{QStringLiteral("k"), 1}}));
        QVERIFY(!cbor::encode(QCborMap{{-1, 1}}));
        QVERIFY(!cbor::encode(QCborArray{1, QCborValue(QCborSimpleType(99))}));
        QVERIFY(!cbor::encode(QCborValue(QCborValue::Invalid)));
    }

    void randomValuesRoundTripExactly()
    {
        for (int i = 0; i < 2000; ++i) {
            const QCborValue v = randomValue(0);
            auto bytes = cbor::encode(v);
            QVERIFY(bytes);
            auto back = cbor::decodeStrict(*bytes);
            QVERIFY2(back, qPrintable(bytes->toHex()));
            QCOMPARE(*cbor::encode(*back), *bytes);
        }
    }

    void mapReaderEnforcesTheSchema()
    {
        const QCborMap m{{0, 5}, {1, QByteArray(32, 'h')}, {2, QStringLiteral("s")}, {3, true}};
        {
            cbor::MapReader r(m, "test");
            QCOMPARE(r.unsignedAt(0), std::uint64_t(5));
            QCOMPARE(r.bytesAt(1, 32).size(), qsizetype(32));
            QCOMPARE(r.textAt(2), QStringLiteral("s"));
            QCOMPARE(r.boolAt(3), true);
            QVERIFY(!r.optionalUnsignedAt(9));
            QVERIFY(r.finish());
        }
        {
            cbor::MapReader r(m, "test"); // key 3 never read: unknown
            (void)r.unsignedAt(0);
            (void)r.bytesAt(1, 32);
            (void)r.textAt(2);
            QVERIFY(!r.finish());
        }
        {
            cbor::MapReader r(m, "test");
            (void)r.unsignedAt(7); // missing
            QVERIFY(!r.finish());
        }
        {
            cbor::MapReader r(m, "test");
            (void)r.bytesAt(1, 16); // wrong size
            QVERIFY(!r.ok());
        }
        {
            cbor::MapReader r(m, "test");
            (void)r.textAt(0); // wrong type
            QVERIFY(!r.ok());
        }
        {
            cbor::MapReader r(m, "test");
            (void)r.unsignedAt(0, 4); // over the maximum
            QVERIFY(!r.ok());
        }
    }
};

LIAISON_TEST_MAIN(TestCbor)
#include "tst_cbor.moc"
