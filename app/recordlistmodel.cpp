#include "recordlistmodel.h"

#include <QCborArray>
#include <QLocale>

#include <algorithm>

namespace liaison::app {

StoreListModel::StoreListModel(model::RecordType type, const liaison::Clock &clock, QObject *parent)
    : QAbstractListModel(parent)
    , m_type(type)
    , m_clock(clock)
{}

void StoreListModel::setStore(model::RecordStore *store)
{
    m_store = store;
    reload();
}

int StoreListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : count();
}

RecordListModel::RecordListModel(model::RecordType type, const liaison::Clock &clock,
                                 QObject *parent)
    : StoreListModel(type, clock, parent)
{}

void RecordListModel::reload()
{
    QList<model::RecordState> rows;
    if (store()) {
        auto fetched = fetch();
        if (!fetched) {
            setError(fetched.error().message);
        } else {
            setError(QString());
            rows = std::move(*fetched);
            prepare(rows);
            std::stable_sort(rows.begin(), rows.end(),
                             [this](const model::RecordState &a, const model::RecordState &b) {
                                 return lessThan(a, b);
                             });
        }
    } else {
        setError(QString());
    }
    const int before = count();
    beginResetModel();
    m_records = std::move(rows);
    afterReload();
    endResetModel();
    if (before != count())
        Q_EMIT countChanged();
}

Result<QList<model::RecordState>> RecordListModel::fetch() const
{
    auto all = store()->records(store()->scopes());
    if (!all)
        return std::unexpected(all.error());
    QList<model::RecordState> out;
    for (model::RecordState &r : *all) {
        if (r.type == type() && !r.deleted)
            out.append(std::move(r));
    }
    return out;
}

int RecordListModel::indexOf(const QString &recordId) const
{
    for (int i = 0; i < m_records.size(); ++i) {
        if (idText(m_records[i].id) == recordId)
            return i;
    }
    return -1;
}

const model::RecordState *RecordListModel::recordAt(const QModelIndex &index) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return nullptr;
    return &m_records[index.row()];
}

void StoreListModel::setError(const QString &error)
{
    if (m_error == error)
        return;
    m_error = error;
    Q_EMIT errorChanged();
}

QString StoreListModel::text(const model::RecordState &r, const char *field)
{
    const auto it = r.fields.constFind(QLatin1StringView(field));
    return it == r.fields.cend() ? QString() : it->value.toString();
}

QStringList StoreListModel::textList(const model::RecordState &r, const char *field)
{
    QStringList out;
    const auto it = r.fields.constFind(QLatin1StringView(field));
    if (it == r.fields.cend())
        return out;
    for (const QCborValue &v : it->value.toArray())
        out.append(v.toString());
    return out;
}

qint64 StoreListModel::integer(const model::RecordState &r, const char *field)
{
    const auto it = r.fields.constFind(QLatin1StringView(field));
    return it == r.fields.cend() ? 0 : it->value.toInteger();
}

bool StoreListModel::flag(const model::RecordState &r, const char *field)
{
    const auto it = r.fields.constFind(QLatin1StringView(field));
    return it != r.fields.cend() && it->value.toBool();
}

QByteArray StoreListModel::bytes(const model::RecordState &r, const char *field)
{
    const auto it = r.fields.constFind(QLatin1StringView(field));
    return it == r.fields.cend() ? QByteArray() : it->value.toByteArray();
}

QList<QByteArray> StoreListModel::bytesList(const model::RecordState &r, const char *field)
{
    QList<QByteArray> out;
    const auto it = r.fields.constFind(QLatin1StringView(field));
    if (it == r.fields.cend())
        return out;
    for (const QCborValue &v : it->value.toArray())
        out.append(v.toByteArray());
    return out;
}

QDateTime StoreListModel::time(const model::RecordState &r, const char *field,
                               const QTimeZone &zone)
{
    const qint64 ms = integer(r, field);
    if (ms <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(ms, zone.isValid() ? zone : QTimeZone::utc());
}

QString StoreListModel::idText(const model::RecordId &id)
{
    return model::recordIdToString(id);
}

std::optional<model::RecordId> StoreListModel::idFromText(const QString &text)
{
    QString hex = text;
    hex.remove(QLatin1Char('-'));
    const auto id = model::RecordId::fromHex(hex.toLatin1());
    if (!id || idText(*id) != text)
        return std::nullopt;
    return id;
}

namespace {
QLocale &displayLocaleStorage()
{
    static QLocale locale(QLocale::English, QLocale::UnitedKingdom);
    return locale;
}
} // namespace

const QLocale &displayLocale()
{
    return displayLocaleStorage();
}

void setDisplayLocale(const QLocale &locale)
{
    displayLocaleStorage() = locale;
}

QString formatDateTime(const QDateTime &t, qint64 nowMs)
{
    if (!t.isValid())
        return QString();
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(nowMs, t.timeZone());
    const bool sameYear = t.date().year() == now.date().year();
    // The app's two languages each as their readers write a short date: "Sat 5 Dec, 14:30";
    // in Czech the day and month are ordinal numbers, "so 5. 12. 14:30".
    if (displayLocale().language() == QLocale::Czech)
        return displayLocale().toString(t, sameYear ? QStringLiteral("ddd d. M. HH:mm")
                                                    : QStringLiteral("ddd d. M. yyyy HH:mm"));
    return displayLocale().toString(t, sameYear ? QStringLiteral("ddd d MMM, HH:mm")
                                                : QStringLiteral("ddd d MMM yyyy, HH:mm"));
}

QString formatRelative(qint64 thenMs, qint64 nowMs)
{
    const qint64 d = nowMs - thenMs;
    const qint64 a = d < 0 ? -d : d;
    constexpr qint64 minute = 60'000, hour = 60 * minute, day = 24 * hour;
    QString amount;
    if (a < minute)
        return QObject::tr("just now");
    if (a < hour)
        amount = QObject::tr("%1 min").arg(a / minute);
    else if (a < day)
        amount = QObject::tr("%1 h").arg(a / hour);
    else if (a < 2 * day)
        amount = QObject::tr("1 day");
    else
        amount = QObject::tr("%1 days").arg(a / day);
    return d >= 0 ? QObject::tr("%1 ago").arg(amount) : QObject::tr("in %1").arg(amount);
}

} // namespace liaison::app
