#include "hq/hqvalidator.h"

namespace liaison::hq {

using model::RejectReason;
using model::WriterRule;

HqValidator::HqValidator(const model::RecordStore &records, const DeviceRegistry &devices)
    : m_records(records)
    , m_devices(devices)
{}

Result<Verdict> HqValidator::check(const Id16 &sender, const model::Operation &op,
                                   qint64 hqNowMs) const
{
    const auto refuse = [](RejectReason r) {
        return Verdict{false, r};
    };
    auto device = m_devices.device(sender);
    if (!device)
        return std::unexpected(device.error());
    if (!*device || (*device)->state != PeerState::Active)
        return refuse(RejectReason::DeviceNotActive);
    if (op.author() != sender)
        return refuse(RejectReason::OriginNotSender);
    model::Operation copy = op;
    if (!copy.validate() || !(copy == op))
        return refuse(RejectReason::Invalid);
    if (model::writerRule(op.type) == WriterRule::HqOnly)
        return refuse(RejectReason::HqOnlyType);
    auto member = m_devices.isMember(sender, op.scope);
    if (!member)
        return std::unexpected(member.error());
    if (!*member)
        return refuse(RejectReason::OutOfScope);
    auto header = m_records.header(op.recordId);
    if (!header)
        return std::unexpected(header.error());
    if (*header) {
        if ((*header)->type != op.type || (*header)->scope != op.scope)
            return refuse(RejectReason::ScopeChanged);
        if (model::writerRule(op.type) == WriterRule::AuthorOnly && (*header)->owner != sender)
            return refuse(RejectReason::NotOwner);
    }
    if (qint64(op.stamp.ms48) > hqNowMs + kMaxAheadMs)
        return refuse(RejectReason::ClockAhead);
    return Verdict{true, RejectReason::Invalid};
}

Result<model::RejectPayload> HqValidator::rejectFor(const Id16 &sender, const model::Operation &op,
                                                    RejectReason reason) const
{
    model::RejectPayload out{op, reason, std::nullopt};
    auto state = m_records.record(op.recordId);
    if (!state)
        return std::unexpected(state.error());
    if (*state) {
        auto member = m_devices.isMember(sender, (*state)->scope);
        if (!member)
            return std::unexpected(member.error());
        if (*member)
            out.authoritative = std::move(**state);
    }
    return out;
}

} // namespace liaison::hq
