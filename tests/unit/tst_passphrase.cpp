// Passphrase rules (DESIGN.md "Keys"): >= 12 characters or >= 5 words, strength check, no PIN.

#include "testmain.h"
#include "vault/passphrase.h"

#include <QTest>

using namespace liaison;
using namespace liaison::vault;

Q_DECLARE_METATYPE(PassphraseProblem)

namespace {
PassphraseVerdict check(const QByteArray &utf8)
{
    return checkPassphrase(crypto::SecretBytes::copyOf(utf8));
}
} // namespace

class TestPassphrase : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void accepted_data()
    {
        QTest::addColumn<QByteArray>("passphrase");
        QTest::newRow("five words") << QByteArray("tide orbit nickel frog lantern");
        QTest::newRow("five short words") << QByteArray("mule cart tin fog bay");
        QTest::newRow("random 12") << QByteArray("Vx7#kq2!Lm9p");
        QTest::newRow("random 14 lower+digits") << QByteArray("r8k2v0x7m4q9z3");
        QTest::newRow("sentence") << QByteArray("Our convoy left Tirana at 06:40 in the rain");
        QTest::newRow("non-latin words") << QByteArray("кошка лампа ветер река гора");
        QTest::newRow("german words") << QByteArray("Zugspitze Kaffee Brücke Löwenzahn Eis");
    }
    void accepted()
    {
        QFETCH(QByteArray, passphrase);
        const PassphraseVerdict v = check(passphrase);
        QVERIFY2(v.acceptable, qPrintable(v.reasons().join(QLatin1Char(' ')) +
                                          QStringLiteral(" bits=%1").arg(v.estimatedBits)));
        QVERIFY(v.problems.isEmpty());
        QVERIFY(v.estimatedBits >= kMinPassphraseBits);
    }

    void refused_data()
    {
        QTest::addColumn<QByteArray>("passphrase");
        QTest::addColumn<PassphraseProblem>("problem");
        QTest::newRow("empty") << QByteArray() << PassphraseProblem::Empty;
        QTest::newRow("short") << QByteArray("Xk9#mP2") << PassphraseProblem::TooShort;
        QTest::newRow("four words short")
            << QByteArray("cat dog owl") << PassphraseProblem::TooShort;
        QTest::newRow("long pin") << QByteArray("4821 9930 1177 2046")
                                  << PassphraseProblem::NumericPin;
        QTest::newRow("pin") << QByteArray("123456") << PassphraseProblem::NumericPin;
        QTest::newRow("repeat") << QByteArray("aaaaaaaaaaaaaaaa") << PassphraseProblem::Repetitive;
        QTest::newRow("pattern") << QByteArray("abcabcabcabcabc") << PassphraseProblem::Repetitive;
        QTest::newRow("alphabet") << QByteArray("abcdefghijklmnop") << PassphraseProblem::Sequence;
        QTest::newRow("keyboard") << QByteArray("wertyuiopsdfghjk") << PassphraseProblem::Sequence;
        QTest::newRow("password") << QByteArray("Password12345!")
                                  << PassphraseProblem::CommonPassword;
        QTest::newRow("leet") << QByteArray("P@ssw0rd-P@ssw0rd")
                              << PassphraseProblem::CommonPassword;
        QTest::newRow("xkcd") << QByteArray("correct horse battery staple")
                              << PassphraseProblem::CommonPassword;
        QTest::newRow("one word + year")
            << QByteArray("Thunderstorm2024!") << PassphraseProblem::TooWeak;
        QTest::newRow("one long word") << QByteArray("thunderstorms") << PassphraseProblem::TooWeak;
        QTest::newRow("bad utf8") << QByteArray("abc\xff\xfe defghijklmn")
                                  << PassphraseProblem::InvalidUtf8;
        QTest::newRow("truncated utf8")
            << QByteArray("abcdefghijklm\xc3") << PassphraseProblem::InvalidUtf8;
    }
    void refused()
    {
        QFETCH(QByteArray, passphrase);
        QFETCH(PassphraseProblem, problem);
        const PassphraseVerdict v = check(passphrase);
        QVERIFY(!v.acceptable);
        QVERIFY2(v.problems.contains(problem),
                 qPrintable(v.reasons().join(QLatin1Char(' ')) +
                            QStringLiteral(" bits=%1").arg(v.estimatedBits)));
        // Every problem has a sentence for the UI, and it never repeats the passphrase.
        QCOMPARE(v.reasons().size(), v.problems.size());
        for (const QString &r : v.reasons()) {
            QVERIFY(!r.isEmpty());
            if (!passphrase.isEmpty())
                QVERIFY(!r.contains(QString::fromUtf8(passphrase)));
        }
    }

    void countsCharactersAndWords()
    {
        const PassphraseVerdict v = check("tide orbit nickel frog lantern");
        QCOMPARE(v.words, 5);
        QCOMPARE(v.characters, 30);
        const PassphraseVerdict u = check("Brücke");
        QCOMPARE(u.characters, 6); // code points, not bytes
    }
};

LIAISON_TEST_MAIN(TestPassphrase)
#include "tst_passphrase.moc"
