#pragma once

// Item models over the device's RecordStore. StoreListModel is what every one of them has: the
// store (nullptr while the vault is locked: the model empties), the injected clock that
// time-dependent roles read, a count and an error for QML, and the readers of record fields.
// RecordListModel holds the live records of one type, sorted by the subclass, and reads them all
// again whenever the store reports a change: right for the lists an officer has tens or hundreds
// of. Contacts, of which a desk may hold 100,000, have their own model (contactmodel.h).

#include "clock/clock.h"
#include "model/recordstore.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QList>
#include <QTimeZone>
#include <QtQml/qqmlregistration.h>

#include <optional>

namespace liaison::app {

class StoreListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("a base class")
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
    StoreListModel(model::RecordType type, const liaison::Clock &clock, QObject *parent = nullptr);

    // nullptr: the vault locked; the model empties.
    void setStore(model::RecordStore *store);
    // Re-reads the store (the composition root calls it on every change).
    virtual void reload() = 0;

    [[nodiscard]] int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    [[nodiscard]] virtual int count() const = 0;
    [[nodiscard]] QString error() const { return m_error; }
    // Row of a record by its id text, -1 when absent.
    Q_INVOKABLE virtual int indexOf(const QString &recordId) const = 0;
    // A record id as QML hands it back (the text idText() wrote); nullopt for anything else.
    [[nodiscard]] static std::optional<model::RecordId> idFromText(const QString &text);

Q_SIGNALS:
    void countChanged();
    void errorChanged();

protected:
    // The record shown in a row; nullptr for an invalid index.
    [[nodiscard]] virtual const model::RecordState *recordAt(const QModelIndex &index) const = 0;
    [[nodiscard]] model::RecordStore *store() const { return m_store; }
    [[nodiscard]] const liaison::Clock &clock() const { return m_clock; }
    [[nodiscard]] model::RecordType type() const { return m_type; }
    void setError(const QString &error);

    // Field readers: the empty value of the kind when the field is unset.
    [[nodiscard]] static QString text(const model::RecordState &r, const char *field);
    [[nodiscard]] static QStringList textList(const model::RecordState &r, const char *field);
    [[nodiscard]] static qint64 integer(const model::RecordState &r, const char *field);
    [[nodiscard]] static bool flag(const model::RecordState &r, const char *field);
    [[nodiscard]] static QByteArray bytes(const model::RecordState &r, const char *field);
    [[nodiscard]] static QList<QByteArray> bytesList(const model::RecordState &r,
                                                     const char *field);
    // A time field as a QDateTime in `zone` (UTC when the zone is unknown); invalid when unset.
    [[nodiscard]] static QDateTime time(const model::RecordState &r, const char *field,
                                        const QTimeZone &zone = QTimeZone::utc());
    [[nodiscard]] static QString idText(const model::RecordId &id);

private:
    model::RecordType m_type;
    const liaison::Clock &m_clock;
    model::RecordStore *m_store = nullptr;
    QString m_error;
};

class RecordListModel : public StoreListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("a base class")

public:
    RecordListModel(model::RecordType type, const liaison::Clock &clock, QObject *parent = nullptr);

    void reload() override;
    [[nodiscard]] int count() const override { return int(m_records.size()); }
    int indexOf(const QString &recordId) const override;

protected:
    // The records to show, unsorted. Default: every live record of the type in the held scopes.
    [[nodiscard]] virtual Result<QList<model::RecordState>> fetch() const;
    [[nodiscard]] virtual bool lessThan(const model::RecordState &a,
                                        const model::RecordState &b) const = 0;
    // Called after fetch() and before sorting (subclasses load what lessThan needs).
    virtual void prepare(const QList<model::RecordState> &rows) { Q_UNUSED(rows); }
    // Called after the rows were replaced (subclasses refresh derived state).
    virtual void afterReload() {}

    [[nodiscard]] const model::RecordState *recordAt(const QModelIndex &index) const override;
    [[nodiscard]] const QList<model::RecordState> &records() const { return m_records; }

private:
    QList<model::RecordState> m_records;
};

// Shared by the models: one English (UK) locale so dates read the same on every device.
[[nodiscard]] const QLocale &displayLocale();
// The app's language (language.h) sets it: day and month names follow the language shown.
void setDisplayLocale(const QLocale &locale);
// "Tue 8 Dec 2026, 09:30" (year only when not the current one), in the time's own zone.
[[nodiscard]] QString formatDateTime(const QDateTime &t, qint64 nowMs);
// "today", "yesterday", "3 days ago", "in 2 h" ...
[[nodiscard]] QString formatRelative(qint64 thenMs, qint64 nowMs);

} // namespace liaison::app
