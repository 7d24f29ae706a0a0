import QtQuick
import QtQuick.Controls
import QtTest
import Liaison
import LiaisonTest

// The unlocked app over the directorate demo records: lists, search, cards, acknowledgement,
// the clock banner, the sync page, lock and auto-lock, and the window switching pages.
Item {
    id: stage
    // TestCase itself is invisible: pages are created in this visible item so that
    // visibility and mouse clicks are real.
    width: 1280
    height: 892

    TestCase {
        id: testCase
        name: "MainPage"
        when: windowShown

        Component {
            id: mainComponent
            MainPage {
                width: 412
                height: 892
            }
        }
        Component {
            id: windowComponent
            Main {}
        }

        function createPage() {
            verify(Fixture.reset(true, true))
            const page = createTemporaryObject(mainComponent, stage, { app: Fixture.app })
            verify(page)
            return page
        }

        function test_contacts_list_and_search() {
            const page = createPage()
            const list = findChild(page, "contactList")
            verify(list)
            tryCompare(list, "count", 9)
            const search = findChild(page, "contactSearchField")
            search.forceActiveFocus()
            for (const c of "havr")
                keyClick(c)
            tryCompare(list, "count", 1)
            compare(Fixture.app.contacts.query, "havr")
            search.selectAll()
            keyClick(Qt.Key_Backspace)
            tryCompare(list, "count", 9)
        }

        // A new search shows its first match, wherever the list was scrolled before (the
        // model keeps rows it shares with the last answer instead of resetting the view).
        function test_a_new_search_shows_its_first_match() {
            verify(Fixture.reset(true, true))
            const page = createTemporaryObject(mainComponent, stage, { app: Fixture.app, height: 400 })
            verify(page)
            const list = findChild(page, "contactList")
            tryCompare(list, "count", 9)
            verify(list.contentHeight > list.height)
            list.positionViewAtEnd()
            tryVerify(() => !list.atYBeginning)
            const contacts = Fixture.app.contacts
            const last = contacts.data(contacts.index(8, 0), ContactModel.NameRole)
            const word = last.split(" ")[0]
            const search = findChild(page, "contactSearchField")
            search.forceActiveFocus()
            for (const c of word)
                keyClick(c)
            tryVerify(() => list.count >= 1 && list.count < 9)
            tryVerify(() => list.atYBeginning, 2000, "the list stayed scrolled: contentY " + list.contentY)
            const first = list.itemAtIndex(0)
            verify(first)
            verify(first.visible)
            search.selectAll()
            keyClick(Qt.Key_Backspace)
            tryCompare(list, "count", 9)
            verify(list.atYBeginning)
        }

        // Every section header sits above the first contact of its section, also after a
        // search and its clearing have changed the rows under the list's delegates.
        function test_section_headers_match_their_rows_after_a_search() {
            const page = createPage()
            const list = findChild(page, "contactList")
            tryCompare(list, "count", 9)
            const contacts = Fixture.app.contacts
            const search = findChild(page, "contactSearchField")
            search.forceActiveFocus()
            for (const q of ["p", "", "o", "", "m", ""]) {
                search.selectAll()
                if (q.length > 0)
                    keyClick(q)
                else
                    keyClick(Qt.Key_Backspace)
                tryVerify(() => contacts.query === q)
                wait(50)
                for (let i = 0; i < list.count; ++i) {
                    list.positionViewAtIndex(i, ListView.Contain)
                    const item = list.itemAtIndex(i)
                    verify(item, "row " + i)
                    const section = contacts.data(contacts.index(i, 0), ContactModel.SectionRole)
                    if (i === 0 || contacts.data(contacts.index(i - 1, 0), ContactModel.SectionRole) !== section) {
                        // The header drawn for this row: the section label just above it.
                        let header = null
                        const kids = list.contentItem.children
                        for (let k = 0; k < kids.length; ++k) {
                            const child = kids[k]
                            if (child.objectName === "contactSection" && child.visible
                                    && Math.abs(child.y + child.height - item.y) < 2)
                                header = child
                        }
                        verify(header, "no header above row " + i + " " + item.name)
                        compare(header.text, section, "the header above " + item.name)
                    }
                }
            }
        }

        function test_contact_card_shows_24h_phone() {
            const page = createPage()
            const contacts = Fixture.app.contacts
            let row = -1
            for (let i = 0; i < contacts.count; ++i) {
                if (contacts.data(contacts.index(i, 0), ContactModel.NameRole) === "Permanent service (24/7)")
                    row = i
            }
            verify(row >= 0)
            compare(contacts.data(contacts.index(row, 0), ContactModel.Has24hRole), true)
            page.openDetail("contacts", row)
            const detail = findChild(page, "detailPage")
            verify(detail)
            tryVerify(() => detail.currentCard !== null)
            compare(detail.currentIndex, row)
            const card = detail.currentCard
            compare(card.name, "Permanent service (24/7)")
            compare(card.phones.length, 1)
            compare(card.phones[0].number, "+420 974 834 210")
            compare(card.phones[0].available24h, true)
            compare(card.emails.length, 2)
            verify(card.address.indexOf("Münzbergerových 2811/8") === 0)
        }

        function test_contact_card_actions_call_sms_email_copy() {
            const page = createPage()
            const contacts = Fixture.app.contacts
            let row = -1
            for (let i = 0; i < contacts.count; ++i) {
                if (contacts.data(contacts.index(i, 0), ContactModel.NameRole) === "Permanent service (24/7)")
                    row = i
            }
            verify(row >= 0)
            page.openDetail("contacts", row)
            const detail = findChild(page, "detailPage")
            verify(detail)
            // The push transition has ended (cards made during it are replaced): the bar is
            // where the thumb is.
            tryCompare(detail.StackView, "status", StackView.Active)
            tryVerify(() => detail.currentCard !== null)
            const card = detail.currentCard
            compare(card.name, "Permanent service (24/7)")
            const call = findChild(card, "contactCallButton")
            verify(call)
            compare(call.text, "Call 24/7")
            mouseClick(call)
            mouseClick(findChild(card, "contactSmsButton"))
            mouseClick(findChild(card, "contactEmailButton"))
            compare(Fixture.openedUrls(), ["tel:+420974834210", "sms:+420974834210", "mailto:rmps@pcr.cz"])
            mouseClick(findChild(card, "contactCopyButton"))
            compare(Fixture.clipboardText(), "+420 974 834 210")
        }

        function test_contacts_grouped_and_called_from_the_list() {
            const page = createPage()
            const list = findChild(page, "contactList")
            tryCompare(list, "count", 9)
            mouseClick(findChild(page, "grouping1"))
            compare(Fixture.app.contacts.grouping, ContactModel.ByCountry)
            compare(Fixture.app.contacts.data(Fixture.app.contacts.index(0, 0), ContactModel.SectionRole), "Austria")
            mouseClick(findChild(page, "grouping2"))
            compare(Fixture.app.contacts.grouping, ContactModel.ByOrganisation)
            mouseClick(findChild(page, "grouping0"))
            compare(Fixture.app.contacts.grouping, ContactModel.ByName)
            // The first row with a 24/7 line dials it from the list.
            let button = null
            for (let i = 0; i < list.count && !button; ++i) {
                list.positionViewAtIndex(i, ListView.Contain)
                const item = list.itemAtIndex(i)
                if (item && item.has24h)
                    button = findChild(item, "rowCallButton")
            }
            verify(button)
            verify(button.visible)
            mouseClick(button)
            compare(Fixture.openedUrls().length, 1)
            verify(Fixture.openedUrls()[0].startsWith("tel:"))
        }

        function test_schedule_has_day_sections() {
            const page = createPage()
            page.showPage("schedule")
            tryVerify(() => findChild(page, "daySection") !== null)
            verify(findChild(page, "daySection").section.length > 0)
            tryVerify(() => findChild(page, "contactSection") !== null)
        }

        function test_case_filters_narrow_the_list() {
            const page = createPage()
            page.showPage("cases")
            const list = findChild(page, "caseList")
            tryCompare(list, "count", 5)
            const channel = findChild(page, "caseChannelFilter")
            const status = findChild(page, "caseStatusFilter")
            const priority = findChild(page, "casePriorityFilter")
            for (const box of [channel, status, priority])
                verify(box.Accessible.name.length > 0)
            channel.activated(1) // Interpol
            tryCompare(list, "count", 2)
            compare(Fixture.app.cases.channelFilter, "interpol")
            compare(channel.displayText, "Interpol")
            verify(channel.Accessible.name.indexOf("Interpol") >= 0)
            status.activated(4) // Closed
            tryCompare(list, "count", 1)
            priority.activated(1) // Urgent
            tryCompare(list, "count", 0)
            const clear = findChild(page, "clearCaseFilters")
            tryVerify(() => clear.visible)
            mouseClick(clear)
            tryCompare(list, "count", 5)
            compare(channel.currentIndex, 0)
        }

        function test_acknowledge_instruction() {
            const page = createPage()
            compare(Fixture.app.instructions.awaitingCount, 2)
            page.openDetail("instructions", 0)
            const detail = findChild(page, "detailPage")
            verify(detail)
            tryVerify(() => detail.currentCard !== null)
            const button = detail.currentCard.acknowledgeButton
            verify(button)
            verify(button.visible)
            button.clicked() // below the fold on a phone: the handler, not the pointer, is tested

            tryCompare(Fixture.app.instructions, "awaitingCount", 1)
            compare(Fixture.app.instructionActions.error, "")
            page.back()
            tryVerify(() => findChild(page, "detailPage") === null)
        }

        function test_clock_wrong_banner() {
            const page = createPage()
            const banner = findChild(page, "clockWrongBanner")
            verify(banner)
            compare(banner.visible, false)
            Fixture.setHqTimeOffset(3 * 24 * 3600 * 1000)
            compare(Fixture.app.clockWrong, true)
            compare(banner.visible, true)
        }

        function test_sync_page_and_lock() {
            const page = createPage()
            page.showPage("sync")
            tryVerify(() => findChild(page, "syncPage") !== null)
            compare(Fixture.app.sync.enrolled, true)
            compare(Fixture.app.sync.offline, true)
            // The fixture's profile names no relay: no engine runs, and the page says why.
            verify(Fixture.app.sync.offlineReason.indexOf("No relay address") >= 0)
            const syncNow = findChild(page, "syncNowButton")
            verify(syncNow)
            compare(syncNow.enabled, false)
            mouseClick(findChild(page, "lockButton"))
            compare(Fixture.app.vault.state, VaultController.Locked)
            compare(Fixture.app.contacts.count, 0)
        }

        function test_auto_lock_in_background() {
            createPage()
            Fixture.setApplicationState(Qt.ApplicationHidden)
            Fixture.advance(61000)
            Fixture.setApplicationState(Qt.ApplicationActive)
            compare(Fixture.app.vault.state, VaultController.Locked)
        }

        // A merely inactive window (a system dialog, the notification shade) is still in front
        // of the officer: the records stay open however long it lasts.
        function test_inactive_window_does_not_lock() {
            verify(Fixture.reset(true, true, 200))
            verify(createTemporaryObject(mainComponent, stage, { app: Fixture.app }))
            Fixture.setApplicationState(Qt.ApplicationInactive)
            Fixture.advance(61000)
            wait(400) // a 200 ms auto-lock timer would have fired
            compare(Fixture.app.vault.state, VaultController.Unlocked, "locked while inactive")
            Fixture.setApplicationState(Qt.ApplicationActive)
            compare(Fixture.app.vault.state, VaultController.Unlocked, "locked on return")
            verify(Fixture.app.contacts.count > 0)
        }

        function test_wide_layout_opens_cards_beside_the_list() {
            verify(Fixture.reset(true, true))
            const page = createTemporaryObject(mainComponent, stage, { app: Fixture.app, width: 1280, height: 800 })
            verify(page)
            compare(page.wide, true)
            page.openDetail("cases", 1)
            const pane = findChild(page, "sidePane")
            verify(pane)
            tryVerify(() => pane.item !== null)
            compare(pane.item.currentIndex, 1)
            compare(findChild(page, "tabBar").visible, true) // the list stays, nothing was pushed
            page.showPage("schedule")
            tryVerify(() => pane.item === null)
        }

        function test_window_switches_between_unlock_and_main() {
            verify(Fixture.reset(true, true))
            const window = createTemporaryObject(windowComponent, stage, { app: Fixture.app })
            verify(window)
            const loader = findChild(window.contentItem, "contentLoader")
            verify(loader)
            tryVerify(() => loader.item !== null && loader.item.objectName === "mainPage")
            Fixture.app.vault.lock()
            tryVerify(() => loader.item !== null && loader.item.objectName === "unlockPage")
            window.close()
        }
    }
}
