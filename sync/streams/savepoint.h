#pragma once

#include "store/database.h"

namespace liaison::streams {

// SAVEPOINT that joins an open transaction or acts as one on its own; rolls back to itself unless
// released. Fixed SQL only.
class Savepoint
{
public:
    explicit Savepoint(store::Database &db)
        : m_db(db)
    {}
    ~Savepoint()
    {
        if (m_open) {
            (void)m_db.execute("ROLLBACK TO stream_sp");
            (void)m_db.execute("RELEASE stream_sp");
        }
    }
    Savepoint(const Savepoint &) = delete;
    Savepoint &operator=(const Savepoint &) = delete;

    [[nodiscard]] Status begin()
    {
        auto s = m_db.execute("SAVEPOINT stream_sp");
        m_open = bool(s);
        return s;
    }
    [[nodiscard]] Status release()
    {
        auto s = m_db.execute("RELEASE stream_sp");
        if (s)
            m_open = false;
        return s;
    }
    void rollback()
    {
        if (m_open) {
            (void)m_db.execute("ROLLBACK TO stream_sp");
            (void)m_db.execute("RELEASE stream_sp");
            m_open = false;
        }
    }

private:
    store::Database &m_db;
    bool m_open = false;
};

} // namespace liaison::streams
