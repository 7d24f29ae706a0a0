#pragma once

// Acknowledging a mission instruction: an Acknowledgement record (this device is its author)
// naming the instruction, its version and the BLAKE2b-256 of its canonical content, so that HQ
// can tell which text the officer confirmed. Travels to HQ on the next sync.

#include "crypto/bytes.h"
#include "model/recordstore.h"

#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace liaison::app {

class InstructionController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("InstructionController is built by the composition root")
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
    explicit InstructionController(const liaison::Clock &clock, QObject *parent = nullptr);

    void setStore(model::RecordStore *store) { m_store = store; }

    [[nodiscard]] QString error() const { return m_error; }
    // true when the acknowledgement was stored (or already existed for this version and content).
    Q_INVOKABLE bool acknowledge(const QString &recordId);

Q_SIGNALS:
    void errorChanged();
    void acknowledged(const QString &recordId);

private:
    void setError(const QString &error);

    const liaison::Clock &m_clock;
    model::RecordStore *m_store = nullptr;
    QString m_error;
};

} // namespace liaison::app
