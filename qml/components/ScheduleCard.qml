pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// A visit item in full: when (in the venue's time zone), where (with the distance and bearing
// from the current position), who, and the escort's notes; at the bottom, in thumb reach,
// "Check in" (one check-in with the position of that moment) and "Navigate" (a geo: link to the
// phone's map app: the address then leaves the vault, which the button says).
Item {
    id: root

    required property ReportController reports
    required property ExternalActions actions
    required property string recordId

    required property int index
    required property string visit
    required property string title
    required property string dayText
    required property string timeText
    required property string homeTimeText
    required property string timeZone
    required property string venue
    required property string address
    required property bool hasPosition
    required property real latitude
    required property real longitude
    required property list<string> participants
    required property string escortNotes
    required property string status
    required property string statusLabel

    width: ListView.view ? ListView.view.width : 400
    height: ListView.view ? ListView.view.height : 800

    Flickable {
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: actionBar.top }
        contentHeight: column.implicitHeight + 2 * Theme.margin
        clip: true

        ColumnLayout {
            id: column
            width: Math.min(parent.width - 2 * Theme.margin, 640)
            x: (parent.width - width) / 2
            y: Theme.margin
            spacing: Theme.margin

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                background: Rectangle { color: Theme.surface; radius: Theme.radius }

                ColumnLayout {
                    width: parent.width
                    spacing: 6
                    StatusChip {
                        text: root.statusLabel
                        tint: Theme.scheduleStatusColor(root.status)
                        filled: true
                    }
                    Label {
                        Layout.fillWidth: true
                        text: root.title
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeHeadline
                        font.weight: Font.DemiBold
                        font.strikeout: root.status === "cancelled"
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: root.visit.length > 0
                        text: root.visit
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                    }
                }
            }

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                topPadding: 4
                background: Rectangle { color: Theme.surface; radius: Theme.radius }

                ColumnLayout {
                    width: parent.width
                    spacing: 0
                    SectionLabel { text: qsTr("When (local time at the venue)") }
                    Label {
                        Layout.fillWidth: true
                        text: root.dayText
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeBody + 1
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        text: root.timeText + (root.timeZone.length > 0 ? " · " + root.timeZone : "")
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeBody + 1
                        font.weight: Font.DemiBold
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.topMargin: -6
                        Layout.bottomMargin: 8
                        visible: root.homeTimeText.length > 0
                        text: root.homeTimeText
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                        font.pixelSize: Theme.fontSizeBody
                    }
                    SectionLabel {
                        visible: root.venue.length > 0 || root.address.length > 0
                        text: qsTr("Where")
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: root.venue.length > 0
                        text: root.venue
                        wrapMode: Text.WordWrap
                        font.weight: Font.DemiBold
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.address.length > 0 || root.hasPosition
                        text: root.address + (root.hasPosition
                              ? "\n" + root.latitude.toFixed(5) + ", " + root.longitude.toFixed(5) : "")
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                    }
                    Label {
                        objectName: "wayToVenue"
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.hasPosition
                        text: {
                            const way = root.reports.wayTo(root.latitude, root.longitude, root.reports.positionRevision)
                            return way.length > 0 ? way : root.reports.positionText
                        }
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                        font.pixelSize: Theme.fontSizeSmall
                    }
                    SectionLabel {
                        visible: root.participants.length > 0
                        text: qsTr("Participants")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.participants.length > 0
                        text: root.participants.join("\n")
                        wrapMode: Text.WordWrap
                    }
                    SectionLabel {
                        visible: root.escortNotes.length > 0
                        text: qsTr("Escort notes")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.escortNotes.length > 0
                        text: root.escortNotes
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                    }
                }
            }
        }
    }

    Pane {
        id: actionBar
        objectName: "scheduleActionBar"
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        padding: Theme.spacing
        background: Rectangle { color: Theme.surface; border.color: Theme.divider }

        ColumnLayout {
            width: parent.width
            spacing: 4
            Label {
                objectName: "checkInConfirmation"
                Layout.fillWidth: true
                visible: text.length > 0
                text: root.reports.error.length > 0 ? root.reports.error : root.reports.lastCheckInText
                color: root.reports.error.length > 0 ? Theme.danger : Theme.ok
                wrapMode: Text.WordWrap
                font.pixelSize: Theme.fontSizeSmall
            }
            RowLayout {
                Layout.fillWidth: true
                spacing: Theme.spacing
                Button {
                    objectName: "checkInButton"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Theme.touchTarget
                    highlighted: true
                    enabled: root.status !== "cancelled"
                    text: qsTr("Check in")
                    Accessible.name: qsTr("Check in at %1 with the current position").arg(root.title)
                    font.capitalization: Font.MixedCase
                    onClicked: root.reports.checkIn(root.recordId)
                }
                Button {
                    objectName: "navigateButton"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Theme.touchTarget
                    enabled: root.hasPosition
                    text: qsTr("Navigate")
                    Accessible.name: qsTr("Open the venue in the map app; its position leaves the vault")
                    font.capitalization: Font.MixedCase
                    onClicked: root.actions.openMap(root.latitude, root.longitude, root.venue)
                }
            }
        }
    }
}
