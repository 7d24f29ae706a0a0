// platform/positionsource.h over Qt Positioning: the NMEA replay of the committed Brussels walk
// (tests/fixtures/position, made by make_brussels_visit.py) gives a fix near the start, paced at
// one a second, with the states Stopped → Waiting → Fixed → Stopped; a file that cannot be read
// gives Unavailable with a reason; a replay never writes a coordinate to the log.

#include "positionsource.h"
#include "testmain.h"

#include <QFile>
#include <QGeoCoordinate>
#include <QLoggingCategory>
#include <QMutex>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace liaison;
using platform::PositionSource;

namespace {

const QString kFixture = QStringLiteral(LIAISON_POSITION_FIXTURES "/brussels-visit.nmea");
// Rue de la Loi 200, where the walk starts (make_brussels_visit.py START).
const QGeoCoordinate kStart(50.84310, 4.38270);

QMutex g_logMutex;
QStringList g_log;
void captureMessage(QtMsgType, const QMessageLogContext &context, const QString &message)
{
    QMutexLocker lock(&g_logMutex);
    g_log << QString::fromLatin1(context.category ? context.category : "") + QLatin1Char(' ') +
                 message;
}

quint8 nmeaChecksum(QByteArrayView body)
{
    quint8 sum = 0;
    for (char c : body)
        sum ^= quint8(c);
    return sum;
}

} // namespace

class TestPositionSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fixtureIsWellFormedNmea()
    {
        QFile file(kFixture);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(kFixture));
        const QList<QByteArray> lines = file.readAll().split('\n');
        int rmc = 0, gga = 0;
        for (QByteArray line : lines) {
            if (line.isEmpty())
                continue;
            QVERIFY(line.endsWith('\r'));
            line.chop(1);
            QVERIFY(line.startsWith('$'));
            const qsizetype star = line.lastIndexOf('*');
            QCOMPARE(star, line.size() - 3);
            bool ok = false;
            const uint declared = line.mid(star + 1).toUInt(&ok, 16);
            QVERIFY(ok);
            QCOMPARE(declared, uint(nmeaChecksum(QByteArrayView(line).sliced(1, star - 1))));
            rmc += line.startsWith("$GPRMC,") ? 1 : 0;
            gga += line.startsWith("$GPGGA,") ? 1 : 0;
        }
        // Ten minutes, one fix a second, an RMC and a GGA each.
        QCOMPARE(rmc, 600);
        QCOMPARE(gga, 600);
    }

    void replayGivesAFixNearTheStart()
    {
        auto source = platform::createPositionSource({kFixture});
        QVERIFY(source);
        QVERIFY2(source->state() == PositionSource::State::Stopped,
                 qPrintable(source->errorText()));
        QCOMPARE(source->description(), QStringLiteral("NMEA replay"));
        QVERIFY(source->errorText().isEmpty());
        QVERIFY(!source->lastFix());

        QList<PositionSource::State> states;
        connect(source.get(), &PositionSource::stateChanged, this,
                [&] { states << source->state(); });
        QSignalSpy fixes(source.get(), &PositionSource::fixChanged);

        source->start();
        // Qt's simulation may deliver the file's first fix inside startUpdates().
        QVERIFY(source->state() == PositionSource::State::Waiting ||
                source->state() == PositionSource::State::Fixed);
        QTRY_COMPARE_WITH_TIMEOUT(source->state(), PositionSource::State::Fixed, 10'000);
        const auto fix = source->lastFix();
        QVERIFY(fix);
        const double metres = kStart.distanceTo(QGeoCoordinate(fix->latitude, fix->longitude));
        QVERIFY2(metres < 100, qPrintable(QStringLiteral("%1 m from the start").arg(metres)));
        QCOMPARE(fix->timestamp.timeSpec(), Qt::UTC);
        QCOMPARE(fix->timestamp.date(), QDate(2026, 3, 14));
        QVERIFY(fix->timestamp.time() >= QTime(9, 0, 0) && fix->timestamp.time() < QTime(9, 0, 10));

        // The replay keeps the file's pace (simulation mode): a few fixes in three seconds, not
        // the whole walk at once, and the walk moves on.
        QTest::qWait(3000);
        QVERIFY2(fixes.count() >= 2 && fixes.count() <= 10,
                 qPrintable(QString::number(fixes.count())));
        QVERIFY(source->lastFix()->timestamp > fix->timestamp);

        source->stop();
        QCOMPARE(source->state(), PositionSource::State::Stopped);
        const auto countAtStop = fixes.count();
        QTest::qWait(1500);
        QCOMPARE(fixes.count(), countAtStop);
        QCOMPARE(states, (QList<PositionSource::State>{PositionSource::State::Waiting,
                                                       PositionSource::State::Fixed,
                                                       PositionSource::State::Stopped}));

        // start() again: the replay goes on where it stopped; the fix is a new one.
        const QDateTime atStop = source->lastFix()->timestamp;
        states.clear();
        source->start();
        QTRY_COMPARE_WITH_TIMEOUT(source->state(), PositionSource::State::Fixed, 10'000);
        QVERIFY(source->lastFix()->timestamp > atStop);
        QCOMPARE(states.first(), PositionSource::State::Waiting);
        source->stop();
    }

    void missingFileIsUnavailableWithAReason()
    {
        QTemporaryDir dir;
        const QString missing = dir.filePath(QStringLiteral("no-such-track.nmea"));
        auto source = platform::createPositionSource({missing});
        QVERIFY(source);
        QCOMPARE(source->state(), PositionSource::State::Unavailable);
        QVERIFY(source->errorText().contains(QStringLiteral("no-such-track.nmea")));
        QSignalSpy states(source.get(), &PositionSource::stateChanged);
        source->start();
        QTest::qWait(500);
        QCOMPARE(source->state(), PositionSource::State::Unavailable);
        QVERIFY(!source->lastFix());
        source->stop();
        QCOMPARE(source->state(), PositionSource::State::Unavailable);
        QCOMPARE(states.count(), 0);

        // A directory is not a track either.
        auto dirSource = platform::createPositionSource({dir.path()});
        QCOMPARE(dirSource->state(), PositionSource::State::Unavailable);
        QVERIFY(!dirSource->errorText().isEmpty());
    }

    void sentencesWithBadChecksumsGiveNoFix()
    {
        QFile in(kFixture);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray broken = in.readAll();
        // Every checksum off by one: a receiver's garbage, which Qt's parser must drop.
        for (qsizetype i = broken.indexOf('*'); i >= 0; i = broken.indexOf('*', i + 1)) {
            char &last = broken[i + 2];
            last = last == '0' ? '1' : '0';
        }
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("broken.nmea"));
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(broken.left(40 * 70)); // the first ~20 seconds
        out.close();

        auto source = platform::createPositionSource({path});
        QCOMPARE(source->state(), PositionSource::State::Stopped);
        source->start();
        QTest::qWait(3000);
        QVERIFY(!source->lastFix());
        QVERIFY(source->state() != PositionSource::State::Fixed);
        source->stop();
    }

    void replayLogsNoCoordinates()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("*.debug=true"));
        g_log.clear();
        const QtMessageHandler previous = qInstallMessageHandler(captureMessage);
        {
            auto source = platform::createPositionSource({kFixture});
            source->start();
            QTRY_COMPARE_WITH_TIMEOUT(source->state(), PositionSource::State::Fixed, 10'000);
            QTest::qWait(1500);
            source->stop();
        }
        qInstallMessageHandler(previous);
        QLoggingCategory::setFilterRules(QString());
        QMutexLocker lock(&g_logMutex);
        // Something was logged (the test can see the log at all) ...
        QVERIFY(
            g_log.join(QLatin1Char('\n')).contains(QStringLiteral("liaison.platform.position")));
        // ... but no coordinate, in degrees or in NMEA's degrees-and-minutes.
        for (const QString &line : std::as_const(g_log)) {
            for (const char *needle : {"50.84", "4.38", "5050.", "00422.", "4422."})
                QVERIFY2(!line.contains(QLatin1String(needle)), qPrintable(line));
        }
    }

    void defaultSourceIsNeverNull()
    {
        // This machine may or may not have a position service (geoclue2 needs a system bus):
        // either a source that has not started, or Unavailable with a reason.
        auto source = platform::createPositionSource({});
        QVERIFY(source);
        if (source->state() == PositionSource::State::Unavailable)
            QVERIFY(!source->errorText().isEmpty());
        else
            QCOMPARE(source->state(), PositionSource::State::Stopped);
        QVERIFY(!source->description().isEmpty());
    }
};

LIAISON_TEST_MAIN(TestPositionSource)
#include "tst_positionsource.moc"
