#include "alarm.h"

namespace liaison::streams {

const char *alarmTypeName(AlarmType type)
{
    switch (type) {
    case AlarmType::Fork:
        return "fork";
    case AlarmType::SenderFault:
        return "sender-fault";
    case AlarmType::HeartbeatMismatch:
        return "heartbeat-mismatch";
    case AlarmType::ReceiptMismatch:
        return "receipt-mismatch";
    case AlarmType::GapTimeout:
        return "gap-timeout";
    case AlarmType::FarAhead:
        return "far-ahead";
    case AlarmType::ClockWrong:
        return "clock-wrong";
    case AlarmType::KeyFileOlderThanDatabase:
        return "key-file-older-than-database";
    case AlarmType::Quarantined:
        return "quarantined";
    case AlarmType::UnlockFailures:
        return "unlock-failures";
    case AlarmType::StaleCertificate:
        return "stale-certificate";
    case AlarmType::EpochRegressed:
        return "epoch-regressed";
    }
    return "unknown";
}

QString Alarm::describe() const
{
    return QStringLiteral("%1 peer=%2 %3 epoch %4 seq %5 count %6")
        .arg(QLatin1StringView(alarmTypeName(type)), QString::fromLatin1(peer.toHex().left(8)),
             direction == Direction::Down ? QStringLiteral("down") : QStringLiteral("up"))
        .arg(epoch)
        .arg(seq)
        .arg(count);
}

} // namespace liaison::streams
