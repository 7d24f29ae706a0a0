import QtQuick
import QtQuick.Controls
import QtTest
import Liaison
import LiaisonTest

// Check-in and field reports over the demo records, with the platform's real position source
// replaying the Brussels NMEA walk (tests/fixtures/position/brussels-visit.nmea).
Item {
    id: stage
    width: 1280
    height: 892

    TestCase {
        id: testCase
        name: "Reports"
        when: windowShown

        Component {
            id: mainComponent
            MainPage {
                width: 412
                height: 892
            }
        }

        function createPage() {
            verify(Fixture.reset(true, true))
            const page = createTemporaryObject(mainComponent, stage, { app: Fixture.app })
            verify(page)
            return page
        }

        function near(a, b, tolerance) {
            return Math.abs(a - b) <= tolerance
        }

        function test_check_in_queues_one_check_in_with_the_replayed_position() {
            const page = createPage()
            const reports = Fixture.app.reportActions
            compare(reports.hasFix, false)
            Fixture.startPositionReplay()
            tryVerify(() => reports.hasFix, 15000, "a fix from the NMEA replay")
            verify(reports.positionText.indexOf("50.84") === 0, reports.positionText)

            const schedule = Fixture.app.schedule
            let row = -1
            for (let i = 0; i < schedule.count && row < 0; ++i) {
                if (schedule.data(schedule.index(i, 0), ScheduleModel.HasPositionRole))
                    row = i
            }
            verify(row >= 0, "a visit item with a venue position")
            page.openDetail("schedule", row)
            const detail = findChild(page, "detailPage")
            tryCompare(detail.StackView, "status", StackView.Active)
            tryVerify(() => detail.currentCard !== null)
            const card = detail.currentCard
            // Distance and bearing from the replayed position to the venue.
            const way = findChild(card, "wayToVenue")
            verify(way)
            verify(/ (N|NE|E|SE|S|SW|W|NW) of you \(bearing \d+°\)$/.test(way.text), way.text)

            compare(Fixture.ownRecords("checkin").length, 0)
            Fixture.advance(3000)
            mouseClick(findChild(card, "checkInButton"))
            const checkIns = Fixture.ownRecords("checkin")
            compare(checkIns.length, 1)
            const c = checkIns[0]
            // The Berlaymont walk: within a kilometre of Rue de la Loi 200.
            verify(near(c.latitude, 50.8433, 0.01), "latitude " + c.latitude)
            verify(near(c.longitude, 4.3827, 0.015), "longitude " + c.longitude)
            verify(c.fixTime > 0 && c.fixTime <= c.time && c.time - c.fixTime <= 3000,
                   "fix age " + (c.time - c.fixTime))
            compare(c.queued, true)
            verify(findChild(card, "checkInConfirmation").text.indexOf("Checked in at") === 0)
            // Listed on the Reports tab as waiting to be sent.
            tryCompare(Fixture.app.reports, "count", 1)
            compare(Fixture.app.reports.data(Fixture.app.reports.index(0, 0), ReportModel.KindRole), "checkin")
            compare(Fixture.app.reports.data(Fixture.app.reports.index(0, 0), ReportModel.SentRole), false)
        }

        function test_report_with_position_and_linked_case_is_queued() {
            const page = createPage()
            Fixture.startPositionReplay()
            tryVerify(() => Fixture.app.reportActions.hasFix, 15000)
            page.showPage("reports")
            const reportsPage = findChild(page, "reportsPage")
            verify(reportsPage)
            tryVerify(() => reportsPage.visible)
            const area = findChild(reportsPage, "reportTextArea")
            const send = findChild(reportsPage, "sendReportButton")
            compare(send.enabled, false)
            area.forceActiveFocus()
            for (const c of "Escort arrived")
                keyClick(c)
            compare(send.enabled, true)
            mouseClick(findChild(reportsPage, "attachPositionSwitch"))
            mouseClick(findChild(reportsPage, "linkCaseCheck"))
            mouseClick(send)
            compare(area.text, "")
            const own = Fixture.ownRecords("report")
            compare(own.length, 1)
            compare(own[0].text, "Escort arrived")
            verify(near(own[0].latitude, 50.8433, 0.01))
            compare(own[0].queued, true)
            const list = findChild(reportsPage, "reportList")
            tryCompare(list, "count", 1)
            const model = Fixture.app.reports
            compare(model.data(model.index(0, 0), ReportModel.DeliveryTextRole), "Waiting to send")
            verify(model.data(model.index(0, 0), ReportModel.RelatedTitleRole).length > 0, "linked case title")
        }
    }
}
