pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// Case summaries from HQ over Interpol, Europol, SIRENE and bilateral channels, with filters by
// channel, status and priority above the list (the model filters; each box sets one filter).
Page {
    id: root

    required property CaseModel cases

    signal opened(int row)

    objectName: "casesPage"
    background: Rectangle { color: Theme.surface }

    header: Pane {
        padding: Theme.spacing
        background: Rectangle { color: Theme.background }
        RowLayout {
            width: parent.width
            spacing: 6
            FilterBox {
                objectName: "caseChannelFilter"
                Layout.fillWidth: true
                Accessible.name: qsTr("Filter by channel: %1").arg(currentIndex > 0 ? displayText : qsTr("all"))
                choices: [{ value: "", text: qsTr("Channel") },
                          { value: "interpol", text: "Interpol" },
                          { value: "europol", text: "Europol" },
                          { value: "sirene", text: "SIRENE" },
                          { value: "bilateral", text: qsTr("Bilateral") }]
                selected: root.cases.channelFilter
                onChosen: value => root.cases.channelFilter = value
            }
            FilterBox {
                objectName: "caseStatusFilter"
                Layout.fillWidth: true
                Accessible.name: qsTr("Filter by status: %1").arg(currentIndex > 0 ? displayText : qsTr("all"))
                choices: [{ value: "", text: qsTr("Status") },
                          { value: "open", text: qsTr("Open") },
                          { value: "active", text: qsTr("Active") },
                          { value: "pending", text: qsTr("Pending") },
                          { value: "closed", text: qsTr("Closed") }]
                selected: root.cases.statusFilter
                onChosen: value => root.cases.statusFilter = value
            }
            FilterBox {
                objectName: "casePriorityFilter"
                Layout.fillWidth: true
                Accessible.name: qsTr("Filter by priority: %1").arg(currentIndex > 0 ? displayText : qsTr("all"))
                choices: [{ value: "", text: qsTr("Priority") },
                          { value: "urgent", text: qsTr("Urgent") },
                          { value: "high", text: qsTr("High") },
                          { value: "normal", text: qsTr("Normal") },
                          { value: "low", text: qsTr("Low") }]
                selected: root.cases.priorityFilter
                onChosen: value => root.cases.priorityFilter = value
            }
        }
    }

    ListView {
        id: list
        objectName: "caseList"
        anchors.fill: parent
        clip: true
        model: root.cases
        delegate: CaseDelegate {
            onOpened: row => root.opened(row)
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }

    ColumnLayout {
        anchors.centerIn: parent
        width: parent.width - 2 * Theme.margin
        visible: list.count === 0
        spacing: 8
        Label {
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            color: Theme.textSecondary
            text: root.cases.filtered ? qsTr("No case matches these filters.")
                                      : qsTr("No case summaries on this device.")
        }
        Button {
            objectName: "clearCaseFilters"
            Layout.alignment: Qt.AlignHCenter
            visible: root.cases.filtered
            text: qsTr("Show all cases")
            Accessible.name: text
            onClicked: {
                root.cases.channelFilter = ""
                root.cases.statusFilter = ""
                root.cases.priorityFilter = ""
            }
        }
    }
}
