// device/dutynumber.h: which contact holds HQ's 24/7 duty number, and the one small file outside
// the vault that keeps it for the lock screen (only the number, atomic, 0600, removed when no
// record holds one, damaged contents refused).

#include "device/dutynumber.h"
#include "model/records.h"

#include "testmain.h"

#include <QCborArray>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace liaison;

namespace {

model::RecordState contact(quint8 idByte, QStringList tags, QCborArray phones, bool deleted = false)
{
    model::RecordState r;
    QByteArray raw(16, '\0');
    raw[15] = char(idByte);
    r.id = *model::RecordId::fromBytes(raw);
    r.type = model::RecordType::Contact;
    r.scope = QStringLiteral("post:test");
    r.deleted = deleted;
    QCborArray t;
    for (const QString &tag : tags)
        t.append(tag);
    r.fields.insert(QStringLiteral("tags"), model::FieldState{t, {}});
    r.fields.insert(QStringLiteral("phones"), model::FieldState{phones, {}});
    return r;
}

QCborArray phones(std::initializer_list<std::pair<const char *, bool>> items)
{
    QCborArray a;
    for (const auto &[number, h24] : items)
        a.append(model::phone(QStringLiteral("x"), QString::fromLatin1(number), h24));
    return a;
}

} // namespace

class TstDutyNumber : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dialableNumbers()
    {
        QVERIFY(device::isDialableNumber(u"+420 974 834 210"));
        QVERIFY(device::isDialableNumber(u"(0)1-234.567/8"));
        QVERIFY(!device::isDialableNumber(u""));
        QVERIFY(!device::isDialableNumber(u"12"));               // too few digits
        QVERIFY(!device::isDialableNumber(u"1234567890123456")); // 16 digits
        QVERIFY(!device::isDialableNumber(u"42+0 974"));         // + only first
        QVERIFY(!device::isDialableNumber(u"974 834 210 ext"));  // letters
        QVERIFY(!device::isDialableNumber(u"974\n834 210"));
        QVERIFY(!device::isDialableNumber(u"*31#974834210")); // no service codes
    }

    void theHqContactWithA24hPhoneHoldsIt()
    {
        const QList<model::RecordState> records = {
            // Not HQ, though 24/7.
            contact(1, {QStringLiteral("liaison")}, phones({{"+43 000 000 0001", true}})),
            // HQ, no 24/7 number.
            contact(2, {QStringLiteral("hq")}, phones({{"+420 974 804 400", false}})),
            // HQ with a 24/7 number, but not tagged 24/7.
            contact(3, {QStringLiteral("hq")},
                    phones({{"+420 974 804 400", false}, {"+420 111 111 111", true}})),
            // The permanent service: tagged hq and 24/7, its 24/7 phone second.
            contact(9, {QStringLiteral("HQ"), QStringLiteral("24/7")},
                    phones({{"+420 974 804 401", false}, {"+420 974 834 210", true}})),
            // Deleted: never.
            contact(0, {QStringLiteral("hq"), QStringLiteral("24/7")},
                    phones({{"+420 999 999 999", true}}), true),
        };
        QCOMPARE(device::dutyNumberFrom(records), QStringLiteral("+420 974 834 210"));
        // Without the 24/7-tagged one, the lowest id among HQ contacts with a 24/7 phone.
        QCOMPARE(device::dutyNumberFrom(records.mid(0, 3)), QStringLiteral("+420 111 111 111"));
        QCOMPARE(device::dutyNumberFrom(records.mid(0, 2)), std::nullopt);
        // An undialable 24/7 entry is skipped.
        QCOMPARE(device::dutyNumberFrom(
                     {contact(4, {QStringLiteral("hq")}, phones({{"call the desk", true}}))}),
                 std::nullopt);
    }

    void fileHoldsOnlyTheNumberWithMode0600()
    {
        QTemporaryDir dir;
        const QString vault = dir.filePath(QStringLiteral("vault"));
        auto none = device::readDutyNumber(vault);
        QVERIFY(none && !*none);

        auto wrote = device::storeDutyNumber(vault, QStringLiteral("+420 974 834 210"));
        QVERIFY2(wrote, wrote ? "" : qPrintable(wrote.error().message));
        QVERIFY(*wrote);
        QFile f(device::dutyNumberPath(vault));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("+420 974 834 210\n"));
        struct stat st
        {};
        QCOMPARE(::stat(QFile::encodeName(f.fileName()).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        auto read = device::readDutyNumber(vault);
        QVERIFY(read && *read == QStringLiteral("+420 974 834 210"));

        // The same number again: nothing written.
        auto same = device::storeDutyNumber(vault, QStringLiteral("+420 974 834 210"));
        QVERIFY(same && !*same);
        // A changed number replaces it.
        auto changed = device::storeDutyNumber(vault, QStringLiteral("+420 974 834 999"));
        QVERIFY(changed && *changed);
        QCOMPARE(**device::readDutyNumber(vault), QStringLiteral("+420 974 834 999"));
        // Something else than a number is never written.
        auto bad = device::storeDutyNumber(vault, QStringLiteral("Permanent service, Praha 5"));
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, Errc::Malformed);
        QCOMPARE(**device::readDutyNumber(vault), QStringLiteral("+420 974 834 999"));
        // No holder any more: the file goes.
        auto removed = device::storeDutyNumber(vault, std::nullopt);
        QVERIFY(removed && *removed);
        QVERIFY(!QFile::exists(device::dutyNumberPath(vault)));
    }

    void damagedFileIsRefused()
    {
        QVERIFY(device::decodeDutyNumber("+420 974 834 210\n"));
        QVERIFY(!device::decodeDutyNumber("+420 974 834 210"));     // no newline
        QVERIFY(!device::decodeDutyNumber("+420 974 834 210\n\n")); // more than one line
        QVERIFY(!device::decodeDutyNumber("Novotna +43 000\n"));
        QVERIFY(!device::decodeDutyNumber(QByteArray(40, '1') + '\n'));
        QVERIFY(!device::decodeDutyNumber(""));
        QTemporaryDir dir;
        QFile f(device::dutyNumberPath(dir.path()));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("secret case text\n");
        f.close();
        auto read = device::readDutyNumber(dir.path());
        QVERIFY(!read);
        QCOMPARE(read.error().code, Errc::Malformed);
    }
};

LIAISON_TEST_MAIN(TstDutyNumber)
#include "tst_dutynumber.moc"
