// No `pragma ComponentBehavior: Bound` here: Qt 6.4's ListView creates section delegates in a
// context of its own and refuses bound components for them.
import QtQuick
import QtQuick.Controls
import Liaison

// The visit schedule by day, in local time at each venue.
Page {
    id: root

    required property ScheduleModel schedule

    signal opened(int row)

    objectName: "schedulePage"
    background: Rectangle { color: Theme.surface }

    ListView {
        id: list
        anchors.fill: parent
        clip: true
        model: root.schedule
        section.property: "dayText"
        section.delegate: Rectangle {
            required property string section
            objectName: "daySection"
            width: ListView.view.width
            height: 36
            color: Theme.background
            Label {
                anchors.verticalCenter: parent.verticalCenter
                x: Theme.margin
                text: parent.section
                color: Theme.primary
                font.weight: Font.DemiBold
            }
        }
        delegate: ScheduleDelegate {
            onOpened: row => root.opened(row)
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }

    Label {
        anchors.centerIn: parent
        visible: list.count === 0
        color: Theme.textSecondary
        text: qsTr("No visits scheduled on this device.")
    }
}
