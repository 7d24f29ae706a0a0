#include "device/dutynumber.h"

#include "model/records.h"
#include "store/atomicfile.h"

#include <QCborArray>
#include <QCborMap>
#include <QDir>
#include <QFile>

#include <algorithm>

namespace liaison::device {

namespace {

bool hasTag(const model::RecordState &r, QLatin1StringView tag)
{
    const QCborArray tags = r.fields.value(QStringLiteral("tags")).value.toArray();
    return std::any_of(tags.begin(), tags.end(), [tag](const QCborValue &t) {
        return t.toString().compare(tag, Qt::CaseInsensitive) == 0;
    });
}

std::optional<QString> firstDutyPhone(const model::RecordState &r)
{
    const QCborArray phones = r.fields.value(QStringLiteral("phones")).value.toArray();
    for (const QCborValue &p : phones) {
        const QCborMap phone = p.toMap();
        const QString number = phone.value(model::kPhoneNumber).toString().trimmed();
        if (phone.value(model::kPhone24h).toBool() && isDialableNumber(number))
            return number;
    }
    return std::nullopt;
}

} // namespace

QString dutyNumberPath(const QString &vaultDir)
{
    return QDir(vaultDir).filePath(QStringLiteral("duty.number"));
}

bool isDialableNumber(QStringView number)
{
    if (number.isEmpty() || number.size() > kMaxDutyNumberLength)
        return false;
    int digits = 0;
    for (qsizetype i = 0; i < number.size(); ++i) {
        const QChar c = number.at(i);
        if (c >= u'0' && c <= u'9')
            ++digits;
        else if (c == u'+' ? i != 0 : !QStringView(u" -()./").contains(c))
            return false;
    }
    return digits >= 3 && digits <= 15;
}

std::optional<QString> dutyNumberFrom(const QList<model::RecordState> &records)
{
    const model::RecordState *best = nullptr;
    std::optional<QString> bestNumber;
    bool bestTagged = false;
    for (const model::RecordState &r : records) {
        if (r.deleted || r.type != model::RecordType::Contact ||
            !hasTag(r, QLatin1StringView("hq")))
            continue;
        auto number = firstDutyPhone(r);
        if (!number)
            continue;
        const bool tagged = hasTag(r, QLatin1StringView("24/7"));
        if (!best || (tagged && !bestTagged) ||
            (tagged == bestTagged && r.id.toByteArray() < best->id.toByteArray())) {
            best = &r;
            bestNumber = std::move(number);
            bestTagged = tagged;
        }
    }
    return bestNumber;
}

Result<QString> decodeDutyNumber(QByteArrayView bytes)
{
    if (bytes.isEmpty() || bytes.size() > kMaxDutyNumberLength + 1 || !bytes.endsWith('\n'))
        return fail(Errc::Malformed, QStringLiteral("the duty number file is damaged"));
    const QString number = QString::fromLatin1(bytes.chopped(1));
    if (!isDialableNumber(number))
        return fail(Errc::Malformed, QStringLiteral("the duty number file is damaged"));
    return number;
}

Result<std::optional<QString>> readDutyNumber(const QString &vaultDir)
{
    auto bytes = store::readSmallFile(dutyNumberPath(vaultDir), kMaxDutyNumberLength + 1);
    if (!bytes) {
        if (bytes.error().code == Errc::NotFound)
            return std::optional<QString>();
        return std::unexpected(bytes.error());
    }
    auto number = decodeDutyNumber(*bytes);
    if (!number)
        return std::unexpected(number.error());
    return std::optional<QString>(*number);
}

Result<bool> storeDutyNumber(const QString &vaultDir, const std::optional<QString> &number)
{
    if (number && !isDialableNumber(*number))
        return fail(Errc::Malformed, QStringLiteral("not a dialable number"));
    auto current = readDutyNumber(vaultDir);
    if (current && *current == number)
        return false;
    const QString path = dutyNumberPath(vaultDir);
    if (!number) {
        if (auto s = store::overwriteAndRemove(path); !s)
            return std::unexpected(s.error());
        return true;
    }
    if (!QDir().mkpath(vaultDir))
        return fail(Errc::Io, QStringLiteral("cannot create the vault directory"));
    if (auto s = store::writeFileAtomically(path, (*number + u'\n').toLatin1(), 0600); !s)
        return std::unexpected(s.error());
    return true;
}

} // namespace liaison::device
