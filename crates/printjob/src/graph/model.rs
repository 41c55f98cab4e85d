//! Microsoft Graph print resource types (`printer`, `printerShare`, `printJob`, …), shared by the
//! client ([`PrintClient`](crate::graph::PrintClient)) and the emulator.
//!
//! Transcribed from Graph's published v1.0 metadata (`microsoftgraph/msgraph-metadata`,
//! `clean_v10_metadata/cleanMetadata.xml`): property names are the metadata's camelCase names.
//!
//! - Properties declared `Nullable="false"` are plain fields and are **always serialized**
//!   (the emulator must send them). When deserializing, those with a natural empty value
//!   (booleans, collections, `configuration`, descriptions) default when absent, so a shortened
//!   response still parses; `id`, `status` and the non-nullable timestamps are required.
//! - Every other property is an `Option`, skipped when `None`, and `None` when absent or `null`.
//! - Unknown properties are ignored, and enum members this crate does not know (Graph adds members
//!   to "evolvable" enums after `unknownFutureValue`) become `Unrecognized(value)` instead of
//!   failing, so a newer service never breaks the client.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::OffsetDateTime;

/// Declares a Graph enum: one variant per metadata member (serialized exactly as the member
/// name) plus `Unrecognized(String)`, the lenient catch-all (what `#[serde(other)]` would do,
/// but keeping the value so it can be shown and sent back unchanged).
macro_rules! graph_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )*
            /// A member this version of printjob does not know, kept verbatim.
            Unrecognized(String),
        }

        impl $name {
            /// Every member of the metadata's enum, in metadata order.
            pub const MEMBERS: &'static [&'static str] = &[$($wire),*];

            /// The member name as Graph sends it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unrecognized(other) => other,
                }
            }

            /// The variant for a member name (exact, case-sensitive as Graph sends it);
            /// anything else becomes `Unrecognized`.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unrecognized(other.to_string()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(Self::from_wire(&value))
            }
        }
    };
}

graph_enum!(
    /// `printJobProcessingState`: where a job is in its life.
    PrintJobProcessingState {
        Unknown = "unknown",
        Pending = "pending",
        Processing = "processing",
        Paused = "paused",
        Stopped = "stopped",
        Completed = "completed",
        Canceled = "canceled",
        Aborted = "aborted",
        UnknownFutureValue = "unknownFutureValue",
    }
);

impl PrintJobProcessingState {
    /// Whether the job has reached an end state (`completed`, `canceled`, `aborted`): nothing
    /// more will happen to it and it can no longer be canceled.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Canceled | Self::Aborted)
    }

    /// Whether `printJob: cancel` can still act on a job in this state
    /// (`pending`, `processing`, `paused`, `stopped`).
    pub fn is_cancelable(&self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Processing | Self::Paused | Self::Stopped
        )
    }
}

graph_enum!(
    /// `printJobStateDetail`: more detail about a job's state.
    PrintJobStateDetail {
        UploadPending = "uploadPending",
        Transforming = "transforming",
        CompletedSuccessfully = "completedSuccessfully",
        CompletedWithWarnings = "completedWithWarnings",
        CompletedWithErrors = "completedWithErrors",
        ReleaseWait = "releaseWait",
        Interpreting = "interpreting",
        UnknownFutureValue = "unknownFutureValue",
    }
);

graph_enum!(
    /// `printerProcessingState`: the printer's state.
    PrinterProcessingState {
        Unknown = "unknown",
        Idle = "idle",
        Processing = "processing",
        Stopped = "stopped",
        UnknownFutureValue = "unknownFutureValue",
    }
);

graph_enum!(
    /// `printerFeedOrientation`.
    PrinterFeedOrientation {
        LongEdgeFirst = "longEdgeFirst",
        ShortEdgeFirst = "shortEdgeFirst",
        UnknownFutureValue = "unknownFutureValue",
    }
);

graph_enum!(
    /// `printColorMode`.
    PrintColorMode {
        BlackAndWhite = "blackAndWhite",
        Grayscale = "grayscale",
        Color = "color",
        Auto = "auto",
        UnknownFutureValue = "unknownFutureValue",
    }
);

graph_enum!(
    /// `printDuplexMode`.
    PrintDuplexMode {
        FlipOnLongEdge = "flipOnLongEdge",
        FlipOnShortEdge = "flipOnShortEdge",
        OneSided = "oneSided",
        UnknownFutureValue = "unknownFutureValue",
    }
);

graph_enum!(
    /// `printOrientation`.
    PrintOrientation {
        Portrait = "portrait",
        Landscape = "landscape",
        ReverseLandscape = "reverseLandscape",
        ReversePortrait = "reversePortrait",
        UnknownFutureValue = "unknownFutureValue",
    }
);

graph_enum!(
    /// `printQuality`.
    PrintQuality {
        Low = "low",
        Medium = "medium",
        High = "high",
        UnknownFutureValue = "unknownFutureValue",
    }
);

graph_enum!(
    /// `printScaling`.
    PrintScaling {
        Auto = "auto",
        ShrinkToFit = "shrinkToFit",
        Fill = "fill",
        Fit = "fit",
        None = "none",
        UnknownFutureValue = "unknownFutureValue",
    }
);

graph_enum!(
    /// `printMultipageLayout`.
    PrintMultipageLayout {
        ClockwiseFromTopLeft = "clockwiseFromTopLeft",
        CounterclockwiseFromTopLeft = "counterclockwiseFromTopLeft",
        CounterclockwiseFromTopRight = "counterclockwiseFromTopRight",
        ClockwiseFromTopRight = "clockwiseFromTopRight",
        CounterclockwiseFromBottomLeft = "counterclockwiseFromBottomLeft",
        ClockwiseFromBottomLeft = "clockwiseFromBottomLeft",
        CounterclockwiseFromBottomRight = "counterclockwiseFromBottomRight",
        ClockwiseFromBottomRight = "clockwiseFromBottomRight",
        UnknownFutureValue = "unknownFutureValue",
    }
);
graph_enum!(
    /// `printFinishing`.
    PrintFinishing {
        None = "none",
        Staple = "staple",
        Punch = "punch",
        Cover = "cover",
        Bind = "bind",
        SaddleStitch = "saddleStitch",
        StitchEdge = "stitchEdge",
        StapleTopLeft = "stapleTopLeft",
        StapleBottomLeft = "stapleBottomLeft",
        StapleTopRight = "stapleTopRight",
        StapleBottomRight = "stapleBottomRight",
        StitchLeftEdge = "stitchLeftEdge",
        StitchTopEdge = "stitchTopEdge",
        StitchRightEdge = "stitchRightEdge",
        StitchBottomEdge = "stitchBottomEdge",
        StapleDualLeft = "stapleDualLeft",
        StapleDualTop = "stapleDualTop",
        StapleDualRight = "stapleDualRight",
        StapleDualBottom = "stapleDualBottom",
        UnknownFutureValue = "unknownFutureValue",
        StapleTripleLeft = "stapleTripleLeft",
        StapleTripleTop = "stapleTripleTop",
        StapleTripleRight = "stapleTripleRight",
        StapleTripleBottom = "stapleTripleBottom",
        BindLeft = "bindLeft",
        BindTop = "bindTop",
        BindRight = "bindRight",
        BindBottom = "bindBottom",
        FoldAccordion = "foldAccordion",
        FoldDoubleGate = "foldDoubleGate",
        FoldGate = "foldGate",
        FoldHalf = "foldHalf",
        FoldHalfZ = "foldHalfZ",
        FoldLeftGate = "foldLeftGate",
        FoldLetter = "foldLetter",
        FoldParallel = "foldParallel",
        FoldPoster = "foldPoster",
        FoldRightGate = "foldRightGate",
        FoldZ = "foldZ",
        FoldEngineeringZ = "foldEngineeringZ",
        PunchTopLeft = "punchTopLeft",
        PunchBottomLeft = "punchBottomLeft",
        PunchTopRight = "punchTopRight",
        PunchBottomRight = "punchBottomRight",
        PunchDualLeft = "punchDualLeft",
        PunchDualTop = "punchDualTop",
        PunchDualRight = "punchDualRight",
        PunchDualBottom = "punchDualBottom",
        PunchTripleLeft = "punchTripleLeft",
        PunchTripleTop = "punchTripleTop",
        PunchTripleRight = "punchTripleRight",
        PunchTripleBottom = "punchTripleBottom",
        PunchQuadLeft = "punchQuadLeft",
        PunchQuadTop = "punchQuadTop",
        PunchQuadRight = "punchQuadRight",
        PunchQuadBottom = "punchQuadBottom",
        Fold = "fold",
        Trim = "trim",
        Bale = "bale",
        BookletMaker = "bookletMaker",
        Coat = "coat",
        Laminate = "laminate",
        TrimAfterPages = "trimAfterPages",
        TrimAfterDocuments = "trimAfterDocuments",
        TrimAfterCopies = "trimAfterCopies",
        TrimAfterJob = "trimAfterJob",
    }
);

graph_enum!(
    /// `printerProcessingStateDetail`: why a printer is in its state (the
    /// metadata's full list of IPP printer-state reasons).
    PrinterProcessingStateDetail {
        Paused = "paused",
        MediaJam = "mediaJam",
        MediaNeeded = "mediaNeeded",
        MediaLow = "mediaLow",
        MediaEmpty = "mediaEmpty",
        CoverOpen = "coverOpen",
        InterlockOpen = "interlockOpen",
        OutputTrayMissing = "outputTrayMissing",
        OutputAreaFull = "outputAreaFull",
        MarkerSupplyLow = "markerSupplyLow",
        MarkerSupplyEmpty = "markerSupplyEmpty",
        InputTrayMissing = "inputTrayMissing",
        OutputAreaAlmostFull = "outputAreaAlmostFull",
        MarkerWasteAlmostFull = "markerWasteAlmostFull",
        MarkerWasteFull = "markerWasteFull",
        FuserOverTemp = "fuserOverTemp",
        FuserUnderTemp = "fuserUnderTemp",
        Other = "other",
        None = "none",
        MovingToPaused = "movingToPaused",
        Shutdown = "shutdown",
        ConnectingToDevice = "connectingToDevice",
        TimedOut = "timedOut",
        Stopping = "stopping",
        StoppedPartially = "stoppedPartially",
        TonerLow = "tonerLow",
        TonerEmpty = "tonerEmpty",
        SpoolAreaFull = "spoolAreaFull",
        DoorOpen = "doorOpen",
        OpticalPhotoConductorNearEndOfLife = "opticalPhotoConductorNearEndOfLife",
        OpticalPhotoConductorLifeOver = "opticalPhotoConductorLifeOver",
        DeveloperLow = "developerLow",
        DeveloperEmpty = "developerEmpty",
        InterpreterResourceUnavailable = "interpreterResourceUnavailable",
        UnknownFutureValue = "unknownFutureValue",
        AlertRemovalOfBinaryChangeEntry = "alertRemovalOfBinaryChangeEntry",
        BanderAdded = "banderAdded",
        BanderAlmostEmpty = "banderAlmostEmpty",
        BanderAlmostFull = "banderAlmostFull",
        BanderAtLimit = "banderAtLimit",
        BanderClosed = "banderClosed",
        BanderConfigurationChange = "banderConfigurationChange",
        BanderCoverClosed = "banderCoverClosed",
        BanderCoverOpen = "banderCoverOpen",
        BanderEmpty = "banderEmpty",
        BanderFull = "banderFull",
        BanderInterlockClosed = "banderInterlockClosed",
        BanderInterlockOpen = "banderInterlockOpen",
        BanderJam = "banderJam",
        BanderLifeAlmostOver = "banderLifeAlmostOver",
        BanderLifeOver = "banderLifeOver",
        BanderMemoryExhausted = "banderMemoryExhausted",
        BanderMissing = "banderMissing",
        BanderMotorFailure = "banderMotorFailure",
        BanderNearLimit = "banderNearLimit",
        BanderOffline = "banderOffline",
        BanderOpened = "banderOpened",
        BanderOverTemperature = "banderOverTemperature",
        BanderPowerSaver = "banderPowerSaver",
        BanderRecoverableFailure = "banderRecoverableFailure",
        BanderRecoverableStorage = "banderRecoverableStorage",
        BanderRemoved = "banderRemoved",
        BanderResourceAdded = "banderResourceAdded",
        BanderResourceRemoved = "banderResourceRemoved",
        BanderThermistorFailure = "banderThermistorFailure",
        BanderTimingFailure = "banderTimingFailure",
        BanderTurnedOff = "banderTurnedOff",
        BanderTurnedOn = "banderTurnedOn",
        BanderUnderTemperature = "banderUnderTemperature",
        BanderUnrecoverableFailure = "banderUnrecoverableFailure",
        BanderUnrecoverableStorageError = "banderUnrecoverableStorageError",
        BanderWarmingUp = "banderWarmingUp",
        BinderAdded = "binderAdded",
        BinderAlmostEmpty = "binderAlmostEmpty",
        BinderAlmostFull = "binderAlmostFull",
        BinderAtLimit = "binderAtLimit",
        BinderClosed = "binderClosed",
        BinderConfigurationChange = "binderConfigurationChange",
        BinderCoverClosed = "binderCoverClosed",
        BinderCoverOpen = "binderCoverOpen",
        BinderEmpty = "binderEmpty",
        BinderFull = "binderFull",
        BinderInterlockClosed = "binderInterlockClosed",
        BinderInterlockOpen = "binderInterlockOpen",
        BinderJam = "binderJam",
        BinderLifeAlmostOver = "binderLifeAlmostOver",
        BinderLifeOver = "binderLifeOver",
        BinderMemoryExhausted = "binderMemoryExhausted",
        BinderMissing = "binderMissing",
        BinderMotorFailure = "binderMotorFailure",
        BinderNearLimit = "binderNearLimit",
        BinderOffline = "binderOffline",
        BinderOpened = "binderOpened",
        BinderOverTemperature = "binderOverTemperature",
        BinderPowerSaver = "binderPowerSaver",
        BinderRecoverableFailure = "binderRecoverableFailure",
        BinderRecoverableStorage = "binderRecoverableStorage",
        BinderRemoved = "binderRemoved",
        BinderResourceAdded = "binderResourceAdded",
        BinderResourceRemoved = "binderResourceRemoved",
        BinderThermistorFailure = "binderThermistorFailure",
        BinderTimingFailure = "binderTimingFailure",
        BinderTurnedOff = "binderTurnedOff",
        BinderTurnedOn = "binderTurnedOn",
        BinderUnderTemperature = "binderUnderTemperature",
        BinderUnrecoverableFailure = "binderUnrecoverableFailure",
        BinderUnrecoverableStorageError = "binderUnrecoverableStorageError",
        BinderWarmingUp = "binderWarmingUp",
        CameraFailure = "cameraFailure",
        ChamberCooling = "chamberCooling",
        ChamberFailure = "chamberFailure",
        ChamberHeating = "chamberHeating",
        ChamberTemperatureHigh = "chamberTemperatureHigh",
        ChamberTemperatureLow = "chamberTemperatureLow",
        CleanerLifeAlmostOver = "cleanerLifeAlmostOver",
        CleanerLifeOver = "cleanerLifeOver",
        ConfigurationChange = "configurationChange",
        Deactivated = "deactivated",
        Deleted = "deleted",
        DieCutterAdded = "dieCutterAdded",
        DieCutterAlmostEmpty = "dieCutterAlmostEmpty",
        DieCutterAlmostFull = "dieCutterAlmostFull",
        DieCutterAtLimit = "dieCutterAtLimit",
        DieCutterClosed = "dieCutterClosed",
        DieCutterConfigurationChange = "dieCutterConfigurationChange",
        DieCutterCoverClosed = "dieCutterCoverClosed",
        DieCutterCoverOpen = "dieCutterCoverOpen",
        DieCutterEmpty = "dieCutterEmpty",
        DieCutterFull = "dieCutterFull",
        DieCutterInterlockClosed = "dieCutterInterlockClosed",
        DieCutterInterlockOpen = "dieCutterInterlockOpen",
        DieCutterJam = "dieCutterJam",
        DieCutterLifeAlmostOver = "dieCutterLifeAlmostOver",
        DieCutterLifeOver = "dieCutterLifeOver",
        DieCutterMemoryExhausted = "dieCutterMemoryExhausted",
        DieCutterMissing = "dieCutterMissing",
        DieCutterMotorFailure = "dieCutterMotorFailure",
        DieCutterNearLimit = "dieCutterNearLimit",
        DieCutterOffline = "dieCutterOffline",
        DieCutterOpened = "dieCutterOpened",
        DieCutterOverTemperature = "dieCutterOverTemperature",
        DieCutterPowerSaver = "dieCutterPowerSaver",
        DieCutterRecoverableFailure = "dieCutterRecoverableFailure",
        DieCutterRecoverableStorage = "dieCutterRecoverableStorage",
        DieCutterRemoved = "dieCutterRemoved",
        DieCutterResourceAdded = "dieCutterResourceAdded",
        DieCutterResourceRemoved = "dieCutterResourceRemoved",
        DieCutterThermistorFailure = "dieCutterThermistorFailure",
        DieCutterTimingFailure = "dieCutterTimingFailure",
        DieCutterTurnedOff = "dieCutterTurnedOff",
        DieCutterTurnedOn = "dieCutterTurnedOn",
        DieCutterUnderTemperature = "dieCutterUnderTemperature",
        DieCutterUnrecoverableFailure = "dieCutterUnrecoverableFailure",
        DieCutterUnrecoverableStorageError = "dieCutterUnrecoverableStorageError",
        DieCutterWarmingUp = "dieCutterWarmingUp",
        ExtruderCooling = "extruderCooling",
        ExtruderFailure = "extruderFailure",
        ExtruderHeating = "extruderHeating",
        ExtruderJam = "extruderJam",
        ExtruderTemperatureHigh = "extruderTemperatureHigh",
        ExtruderTemperatureLow = "extruderTemperatureLow",
        FanFailure = "fanFailure",
        FaxModemLifeAlmostOver = "faxModemLifeAlmostOver",
        FaxModemLifeOver = "faxModemLifeOver",
        FaxModemMissing = "faxModemMissing",
        FaxModemTurnedOff = "faxModemTurnedOff",
        FaxModemTurnedOn = "faxModemTurnedOn",
        FolderAdded = "folderAdded",
        FolderAlmostEmpty = "folderAlmostEmpty",
        FolderAlmostFull = "folderAlmostFull",
        FolderAtLimit = "folderAtLimit",
        FolderClosed = "folderClosed",
        FolderConfigurationChange = "folderConfigurationChange",
        FolderCoverClosed = "folderCoverClosed",
        FolderCoverOpen = "folderCoverOpen",
        FolderEmpty = "folderEmpty",
        FolderFull = "folderFull",
        FolderInterlockClosed = "folderInterlockClosed",
        FolderInterlockOpen = "folderInterlockOpen",
        FolderJam = "folderJam",
        FolderLifeAlmostOver = "folderLifeAlmostOver",
        FolderLifeOver = "folderLifeOver",
        FolderMemoryExhausted = "folderMemoryExhausted",
        FolderMissing = "folderMissing",
        FolderMotorFailure = "folderMotorFailure",
        FolderNearLimit = "folderNearLimit",
        FolderOffline = "folderOffline",
        FolderOpened = "folderOpened",
        FolderOverTemperature = "folderOverTemperature",
        FolderPowerSaver = "folderPowerSaver",
        FolderRecoverableFailure = "folderRecoverableFailure",
        FolderRecoverableStorage = "folderRecoverableStorage",
        FolderRemoved = "folderRemoved",
        FolderResourceAdded = "folderResourceAdded",
        FolderResourceRemoved = "folderResourceRemoved",
        FolderThermistorFailure = "folderThermistorFailure",
        FolderTimingFailure = "folderTimingFailure",
        FolderTurnedOff = "folderTurnedOff",
        FolderTurnedOn = "folderTurnedOn",
        FolderUnderTemperature = "folderUnderTemperature",
        FolderUnrecoverableFailure = "folderUnrecoverableFailure",
        FolderUnrecoverableStorageError = "folderUnrecoverableStorageError",
        FolderWarmingUp = "folderWarmingUp",
        Hibernate = "hibernate",
        HoldNewJobs = "holdNewJobs",
        IdentifyPrinterRequested = "identifyPrinterRequested",
        ImprinterAdded = "imprinterAdded",
        ImprinterAlmostEmpty = "imprinterAlmostEmpty",
        ImprinterAlmostFull = "imprinterAlmostFull",
        ImprinterAtLimit = "imprinterAtLimit",
        ImprinterClosed = "imprinterClosed",
        ImprinterConfigurationChange = "imprinterConfigurationChange",
        ImprinterCoverClosed = "imprinterCoverClosed",
        ImprinterCoverOpen = "imprinterCoverOpen",
        ImprinterEmpty = "imprinterEmpty",
        ImprinterFull = "imprinterFull",
        ImprinterInterlockClosed = "imprinterInterlockClosed",
        ImprinterInterlockOpen = "imprinterInterlockOpen",
        ImprinterJam = "imprinterJam",
        ImprinterLifeAlmostOver = "imprinterLifeAlmostOver",
        ImprinterLifeOver = "imprinterLifeOver",
        ImprinterMemoryExhausted = "imprinterMemoryExhausted",
        ImprinterMissing = "imprinterMissing",
        ImprinterMotorFailure = "imprinterMotorFailure",
        ImprinterNearLimit = "imprinterNearLimit",
        ImprinterOffline = "imprinterOffline",
        ImprinterOpened = "imprinterOpened",
        ImprinterOverTemperature = "imprinterOverTemperature",
        ImprinterPowerSaver = "imprinterPowerSaver",
        ImprinterRecoverableFailure = "imprinterRecoverableFailure",
        ImprinterRecoverableStorage = "imprinterRecoverableStorage",
        ImprinterRemoved = "imprinterRemoved",
        ImprinterResourceAdded = "imprinterResourceAdded",
        ImprinterResourceRemoved = "imprinterResourceRemoved",
        ImprinterThermistorFailure = "imprinterThermistorFailure",
        ImprinterTimingFailure = "imprinterTimingFailure",
        ImprinterTurnedOff = "imprinterTurnedOff",
        ImprinterTurnedOn = "imprinterTurnedOn",
        ImprinterUnderTemperature = "imprinterUnderTemperature",
        ImprinterUnrecoverableFailure = "imprinterUnrecoverableFailure",
        ImprinterUnrecoverableStorageError = "imprinterUnrecoverableStorageError",
        ImprinterWarmingUp = "imprinterWarmingUp",
        InputCannotFeedSizeSelected = "inputCannotFeedSizeSelected",
        InputManualInputRequest = "inputManualInputRequest",
        InputMediaColorChange = "inputMediaColorChange",
        InputMediaFormPartsChange = "inputMediaFormPartsChange",
        InputMediaSizeChange = "inputMediaSizeChange",
        InputMediaTrayFailure = "inputMediaTrayFailure",
        InputMediaTrayFeedError = "inputMediaTrayFeedError",
        InputMediaTrayJam = "inputMediaTrayJam",
        InputMediaTypeChange = "inputMediaTypeChange",
        InputMediaWeightChange = "inputMediaWeightChange",
        InputPickRollerFailure = "inputPickRollerFailure",
        InputPickRollerLifeOver = "inputPickRollerLifeOver",
        InputPickRollerLifeWarn = "inputPickRollerLifeWarn",
        InputPickRollerMissing = "inputPickRollerMissing",
        InputTrayElevationFailure = "inputTrayElevationFailure",
        InputTrayPositionFailure = "inputTrayPositionFailure",
        InserterAdded = "inserterAdded",
        InserterAlmostEmpty = "inserterAlmostEmpty",
        InserterAlmostFull = "inserterAlmostFull",
        InserterAtLimit = "inserterAtLimit",
        InserterClosed = "inserterClosed",
        InserterConfigurationChange = "inserterConfigurationChange",
        InserterCoverClosed = "inserterCoverClosed",
        InserterCoverOpen = "inserterCoverOpen",
        InserterEmpty = "inserterEmpty",
        InserterFull = "inserterFull",
        InserterInterlockClosed = "inserterInterlockClosed",
        InserterInterlockOpen = "inserterInterlockOpen",
        InserterJam = "inserterJam",
        InserterLifeAlmostOver = "inserterLifeAlmostOver",
        InserterLifeOver = "inserterLifeOver",
        InserterMemoryExhausted = "inserterMemoryExhausted",
        InserterMissing = "inserterMissing",
        InserterMotorFailure = "inserterMotorFailure",
        InserterNearLimit = "inserterNearLimit",
        InserterOffline = "inserterOffline",
        InserterOpened = "inserterOpened",
        InserterOverTemperature = "inserterOverTemperature",
        InserterPowerSaver = "inserterPowerSaver",
        InserterRecoverableFailure = "inserterRecoverableFailure",
        InserterRecoverableStorage = "inserterRecoverableStorage",
        InserterRemoved = "inserterRemoved",
        InserterResourceAdded = "inserterResourceAdded",
        InserterResourceRemoved = "inserterResourceRemoved",
        InserterThermistorFailure = "inserterThermistorFailure",
        InserterTimingFailure = "inserterTimingFailure",
        InserterTurnedOff = "inserterTurnedOff",
        InserterTurnedOn = "inserterTurnedOn",
        InserterUnderTemperature = "inserterUnderTemperature",
        InserterUnrecoverableFailure = "inserterUnrecoverableFailure",
        InserterUnrecoverableStorageError = "inserterUnrecoverableStorageError",
        InserterWarmingUp = "inserterWarmingUp",
        InterlockClosed = "interlockClosed",
        InterpreterCartridgeAdded = "interpreterCartridgeAdded",
        InterpreterCartridgeDeleted = "interpreterCartridgeDeleted",
        InterpreterComplexPageEncountered = "interpreterComplexPageEncountered",
        InterpreterMemoryDecrease = "interpreterMemoryDecrease",
        InterpreterMemoryIncrease = "interpreterMemoryIncrease",
        InterpreterResourceAdded = "interpreterResourceAdded",
        InterpreterResourceDeleted = "interpreterResourceDeleted",
        LampAtEol = "lampAtEol",
        LampFailure = "lampFailure",
        LampNearEol = "lampNearEol",
        LaserAtEol = "laserAtEol",
        LaserFailure = "laserFailure",
        LaserNearEol = "laserNearEol",
        MakeEnvelopeAdded = "makeEnvelopeAdded",
        MakeEnvelopeAlmostEmpty = "makeEnvelopeAlmostEmpty",
        MakeEnvelopeAlmostFull = "makeEnvelopeAlmostFull",
        MakeEnvelopeAtLimit = "makeEnvelopeAtLimit",
        MakeEnvelopeClosed = "makeEnvelopeClosed",
        MakeEnvelopeConfigurationChange = "makeEnvelopeConfigurationChange",
        MakeEnvelopeCoverClosed = "makeEnvelopeCoverClosed",
        MakeEnvelopeCoverOpen = "makeEnvelopeCoverOpen",
        MakeEnvelopeEmpty = "makeEnvelopeEmpty",
        MakeEnvelopeFull = "makeEnvelopeFull",
        MakeEnvelopeInterlockClosed = "makeEnvelopeInterlockClosed",
        MakeEnvelopeInterlockOpen = "makeEnvelopeInterlockOpen",
        MakeEnvelopeJam = "makeEnvelopeJam",
        MakeEnvelopeLifeAlmostOver = "makeEnvelopeLifeAlmostOver",
        MakeEnvelopeLifeOver = "makeEnvelopeLifeOver",
        MakeEnvelopeMemoryExhausted = "makeEnvelopeMemoryExhausted",
        MakeEnvelopeMissing = "makeEnvelopeMissing",
        MakeEnvelopeMotorFailure = "makeEnvelopeMotorFailure",
        MakeEnvelopeNearLimit = "makeEnvelopeNearLimit",
        MakeEnvelopeOffline = "makeEnvelopeOffline",
        MakeEnvelopeOpened = "makeEnvelopeOpened",
        MakeEnvelopeOverTemperature = "makeEnvelopeOverTemperature",
        MakeEnvelopePowerSaver = "makeEnvelopePowerSaver",
        MakeEnvelopeRecoverableFailure = "makeEnvelopeRecoverableFailure",
        MakeEnvelopeRecoverableStorage = "makeEnvelopeRecoverableStorage",
        MakeEnvelopeRemoved = "makeEnvelopeRemoved",
        MakeEnvelopeResourceAdded = "makeEnvelopeResourceAdded",
        MakeEnvelopeResourceRemoved = "makeEnvelopeResourceRemoved",
        MakeEnvelopeThermistorFailure = "makeEnvelopeThermistorFailure",
        MakeEnvelopeTimingFailure = "makeEnvelopeTimingFailure",
        MakeEnvelopeTurnedOff = "makeEnvelopeTurnedOff",
        MakeEnvelopeTurnedOn = "makeEnvelopeTurnedOn",
        MakeEnvelopeUnderTemperature = "makeEnvelopeUnderTemperature",
        MakeEnvelopeUnrecoverableFailure = "makeEnvelopeUnrecoverableFailure",
        MakeEnvelopeUnrecoverableStorageError = "makeEnvelopeUnrecoverableStorageError",
        MakeEnvelopeWarmingUp = "makeEnvelopeWarmingUp",
        MarkerAdjustingPrintQuality = "markerAdjustingPrintQuality",
        MarkerCleanerMissing = "markerCleanerMissing",
        MarkerDeveloperAlmostEmpty = "markerDeveloperAlmostEmpty",
        MarkerDeveloperEmpty = "markerDeveloperEmpty",
        MarkerDeveloperMissing = "markerDeveloperMissing",
        MarkerFuserMissing = "markerFuserMissing",
        MarkerFuserThermistorFailure = "markerFuserThermistorFailure",
        MarkerFuserTimingFailure = "markerFuserTimingFailure",
        MarkerInkAlmostEmpty = "markerInkAlmostEmpty",
        MarkerInkEmpty = "markerInkEmpty",
        MarkerInkMissing = "markerInkMissing",
        MarkerOpcMissing = "markerOpcMissing",
        MarkerPrintRibbonAlmostEmpty = "markerPrintRibbonAlmostEmpty",
        MarkerPrintRibbonEmpty = "markerPrintRibbonEmpty",
        MarkerPrintRibbonMissing = "markerPrintRibbonMissing",
        MarkerSupplyAlmostEmpty = "markerSupplyAlmostEmpty",
        MarkerSupplyMissing = "markerSupplyMissing",
        MarkerTonerCartridgeMissing = "markerTonerCartridgeMissing",
        MarkerTonerMissing = "markerTonerMissing",
        MarkerWasteInkReceptacleAlmostFull = "markerWasteInkReceptacleAlmostFull",
        MarkerWasteInkReceptacleFull = "markerWasteInkReceptacleFull",
        MarkerWasteInkReceptacleMissing = "markerWasteInkReceptacleMissing",
        MarkerWasteMissing = "markerWasteMissing",
        MarkerWasteTonerReceptacleAlmostFull = "markerWasteTonerReceptacleAlmostFull",
        MarkerWasteTonerReceptacleFull = "markerWasteTonerReceptacleFull",
        MarkerWasteTonerReceptacleMissing = "markerWasteTonerReceptacleMissing",
        MaterialEmpty = "materialEmpty",
        MaterialLow = "materialLow",
        MaterialNeeded = "materialNeeded",
        MediaDrying = "mediaDrying",
        MediaPathCannotDuplexMediaSelected = "mediaPathCannotDuplexMediaSelected",
        MediaPathFailure = "mediaPathFailure",
        MediaPathInputEmpty = "mediaPathInputEmpty",
        MediaPathInputFeedError = "mediaPathInputFeedError",
        MediaPathInputJam = "mediaPathInputJam",
        MediaPathInputRequest = "mediaPathInputRequest",
        MediaPathJam = "mediaPathJam",
        MediaPathMediaTrayAlmostFull = "mediaPathMediaTrayAlmostFull",
        MediaPathMediaTrayFull = "mediaPathMediaTrayFull",
        MediaPathMediaTrayMissing = "mediaPathMediaTrayMissing",
        MediaPathOutputFeedError = "mediaPathOutputFeedError",
        MediaPathOutputFull = "mediaPathOutputFull",
        MediaPathOutputJam = "mediaPathOutputJam",
        MediaPathPickRollerFailure = "mediaPathPickRollerFailure",
        MediaPathPickRollerLifeOver = "mediaPathPickRollerLifeOver",
        MediaPathPickRollerLifeWarn = "mediaPathPickRollerLifeWarn",
        MediaPathPickRollerMissing = "mediaPathPickRollerMissing",
        MotorFailure = "motorFailure",
        OutputMailboxSelectFailure = "outputMailboxSelectFailure",
        OutputMediaTrayFailure = "outputMediaTrayFailure",
        OutputMediaTrayFeedError = "outputMediaTrayFeedError",
        OutputMediaTrayJam = "outputMediaTrayJam",
        PerforaterAdded = "perforaterAdded",
        PerforaterAlmostEmpty = "perforaterAlmostEmpty",
        PerforaterAlmostFull = "perforaterAlmostFull",
        PerforaterAtLimit = "perforaterAtLimit",
        PerforaterClosed = "perforaterClosed",
        PerforaterConfigurationChange = "perforaterConfigurationChange",
        PerforaterCoverClosed = "perforaterCoverClosed",
        PerforaterCoverOpen = "perforaterCoverOpen",
        PerforaterEmpty = "perforaterEmpty",
        PerforaterFull = "perforaterFull",
        PerforaterInterlockClosed = "perforaterInterlockClosed",
        PerforaterInterlockOpen = "perforaterInterlockOpen",
        PerforaterJam = "perforaterJam",
        PerforaterLifeAlmostOver = "perforaterLifeAlmostOver",
        PerforaterLifeOver = "perforaterLifeOver",
        PerforaterMemoryExhausted = "perforaterMemoryExhausted",
        PerforaterMissing = "perforaterMissing",
        PerforaterMotorFailure = "perforaterMotorFailure",
        PerforaterNearLimit = "perforaterNearLimit",
        PerforaterOffline = "perforaterOffline",
        PerforaterOpened = "perforaterOpened",
        PerforaterOverTemperature = "perforaterOverTemperature",
        PerforaterPowerSaver = "perforaterPowerSaver",
        PerforaterRecoverableFailure = "perforaterRecoverableFailure",
        PerforaterRecoverableStorage = "perforaterRecoverableStorage",
        PerforaterRemoved = "perforaterRemoved",
        PerforaterResourceAdded = "perforaterResourceAdded",
        PerforaterResourceRemoved = "perforaterResourceRemoved",
        PerforaterThermistorFailure = "perforaterThermistorFailure",
        PerforaterTimingFailure = "perforaterTimingFailure",
        PerforaterTurnedOff = "perforaterTurnedOff",
        PerforaterTurnedOn = "perforaterTurnedOn",
        PerforaterUnderTemperature = "perforaterUnderTemperature",
        PerforaterUnrecoverableFailure = "perforaterUnrecoverableFailure",
        PerforaterUnrecoverableStorageError = "perforaterUnrecoverableStorageError",
        PerforaterWarmingUp = "perforaterWarmingUp",
        PlatformCooling = "platformCooling",
        PlatformFailure = "platformFailure",
        PlatformHeating = "platformHeating",
        PlatformTemperatureHigh = "platformTemperatureHigh",
        PlatformTemperatureLow = "platformTemperatureLow",
        PowerDown = "powerDown",
        PowerUp = "powerUp",
        PrinterManualReset = "printerManualReset",
        PrinterNmsReset = "printerNmsReset",
        PrinterReadyToPrint = "printerReadyToPrint",
        PuncherAdded = "puncherAdded",
        PuncherAlmostEmpty = "puncherAlmostEmpty",
        PuncherAlmostFull = "puncherAlmostFull",
        PuncherAtLimit = "puncherAtLimit",
        PuncherClosed = "puncherClosed",
        PuncherConfigurationChange = "puncherConfigurationChange",
        PuncherCoverClosed = "puncherCoverClosed",
        PuncherCoverOpen = "puncherCoverOpen",
        PuncherEmpty = "puncherEmpty",
        PuncherFull = "puncherFull",
        PuncherInterlockClosed = "puncherInterlockClosed",
        PuncherInterlockOpen = "puncherInterlockOpen",
        PuncherJam = "puncherJam",
        PuncherLifeAlmostOver = "puncherLifeAlmostOver",
        PuncherLifeOver = "puncherLifeOver",
        PuncherMemoryExhausted = "puncherMemoryExhausted",
        PuncherMissing = "puncherMissing",
        PuncherMotorFailure = "puncherMotorFailure",
        PuncherNearLimit = "puncherNearLimit",
        PuncherOffline = "puncherOffline",
        PuncherOpened = "puncherOpened",
        PuncherOverTemperature = "puncherOverTemperature",
        PuncherPowerSaver = "puncherPowerSaver",
        PuncherRecoverableFailure = "puncherRecoverableFailure",
        PuncherRecoverableStorage = "puncherRecoverableStorage",
        PuncherRemoved = "puncherRemoved",
        PuncherResourceAdded = "puncherResourceAdded",
        PuncherResourceRemoved = "puncherResourceRemoved",
        PuncherThermistorFailure = "puncherThermistorFailure",
        PuncherTimingFailure = "puncherTimingFailure",
        PuncherTurnedOff = "puncherTurnedOff",
        PuncherTurnedOn = "puncherTurnedOn",
        PuncherUnderTemperature = "puncherUnderTemperature",
        PuncherUnrecoverableFailure = "puncherUnrecoverableFailure",
        PuncherUnrecoverableStorageError = "puncherUnrecoverableStorageError",
        PuncherWarmingUp = "puncherWarmingUp",
        Resuming = "resuming",
        ScanMediaPathFailure = "scanMediaPathFailure",
        ScanMediaPathInputEmpty = "scanMediaPathInputEmpty",
        ScanMediaPathInputFeedError = "scanMediaPathInputFeedError",
        ScanMediaPathInputJam = "scanMediaPathInputJam",
        ScanMediaPathInputRequest = "scanMediaPathInputRequest",
        ScanMediaPathJam = "scanMediaPathJam",
        ScanMediaPathOutputFeedError = "scanMediaPathOutputFeedError",
        ScanMediaPathOutputFull = "scanMediaPathOutputFull",
        ScanMediaPathOutputJam = "scanMediaPathOutputJam",
        ScanMediaPathPickRollerFailure = "scanMediaPathPickRollerFailure",
        ScanMediaPathPickRollerLifeOver = "scanMediaPathPickRollerLifeOver",
        ScanMediaPathPickRollerLifeWarn = "scanMediaPathPickRollerLifeWarn",
        ScanMediaPathPickRollerMissing = "scanMediaPathPickRollerMissing",
        ScanMediaPathTrayAlmostFull = "scanMediaPathTrayAlmostFull",
        ScanMediaPathTrayFull = "scanMediaPathTrayFull",
        ScanMediaPathTrayMissing = "scanMediaPathTrayMissing",
        ScannerLightFailure = "scannerLightFailure",
        ScannerLightLifeAlmostOver = "scannerLightLifeAlmostOver",
        ScannerLightLifeOver = "scannerLightLifeOver",
        ScannerLightMissing = "scannerLightMissing",
        ScannerSensorFailure = "scannerSensorFailure",
        ScannerSensorLifeAlmostOver = "scannerSensorLifeAlmostOver",
        ScannerSensorLifeOver = "scannerSensorLifeOver",
        ScannerSensorMissing = "scannerSensorMissing",
        SeparationCutterAdded = "separationCutterAdded",
        SeparationCutterAlmostEmpty = "separationCutterAlmostEmpty",
        SeparationCutterAlmostFull = "separationCutterAlmostFull",
        SeparationCutterAtLimit = "separationCutterAtLimit",
        SeparationCutterClosed = "separationCutterClosed",
        SeparationCutterConfigurationChange = "separationCutterConfigurationChange",
        SeparationCutterCoverClosed = "separationCutterCoverClosed",
        SeparationCutterCoverOpen = "separationCutterCoverOpen",
        SeparationCutterEmpty = "separationCutterEmpty",
        SeparationCutterFull = "separationCutterFull",
        SeparationCutterInterlockClosed = "separationCutterInterlockClosed",
        SeparationCutterInterlockOpen = "separationCutterInterlockOpen",
        SeparationCutterJam = "separationCutterJam",
        SeparationCutterLifeAlmostOver = "separationCutterLifeAlmostOver",
        SeparationCutterLifeOver = "separationCutterLifeOver",
        SeparationCutterMemoryExhausted = "separationCutterMemoryExhausted",
        SeparationCutterMissing = "separationCutterMissing",
        SeparationCutterMotorFailure = "separationCutterMotorFailure",
        SeparationCutterNearLimit = "separationCutterNearLimit",
        SeparationCutterOffline = "separationCutterOffline",
        SeparationCutterOpened = "separationCutterOpened",
        SeparationCutterOverTemperature = "separationCutterOverTemperature",
        SeparationCutterPowerSaver = "separationCutterPowerSaver",
        SeparationCutterRecoverableFailure = "separationCutterRecoverableFailure",
        SeparationCutterRecoverableStorage = "separationCutterRecoverableStorage",
        SeparationCutterRemoved = "separationCutterRemoved",
        SeparationCutterResourceAdded = "separationCutterResourceAdded",
        SeparationCutterResourceRemoved = "separationCutterResourceRemoved",
        SeparationCutterThermistorFailure = "separationCutterThermistorFailure",
        SeparationCutterTimingFailure = "separationCutterTimingFailure",
        SeparationCutterTurnedOff = "separationCutterTurnedOff",
        SeparationCutterTurnedOn = "separationCutterTurnedOn",
        SeparationCutterUnderTemperature = "separationCutterUnderTemperature",
        SeparationCutterUnrecoverableFailure = "separationCutterUnrecoverableFailure",
        SeparationCutterUnrecoverableStorageError = "separationCutterUnrecoverableStorageError",
        SeparationCutterWarmingUp = "separationCutterWarmingUp",
        SheetRotatorAdded = "sheetRotatorAdded",
        SheetRotatorAlmostEmpty = "sheetRotatorAlmostEmpty",
        SheetRotatorAlmostFull = "sheetRotatorAlmostFull",
        SheetRotatorAtLimit = "sheetRotatorAtLimit",
        SheetRotatorClosed = "sheetRotatorClosed",
        SheetRotatorConfigurationChange = "sheetRotatorConfigurationChange",
        SheetRotatorCoverClosed = "sheetRotatorCoverClosed",
        SheetRotatorCoverOpen = "sheetRotatorCoverOpen",
        SheetRotatorEmpty = "sheetRotatorEmpty",
        SheetRotatorFull = "sheetRotatorFull",
        SheetRotatorInterlockClosed = "sheetRotatorInterlockClosed",
        SheetRotatorInterlockOpen = "sheetRotatorInterlockOpen",
        SheetRotatorJam = "sheetRotatorJam",
        SheetRotatorLifeAlmostOver = "sheetRotatorLifeAlmostOver",
        SheetRotatorLifeOver = "sheetRotatorLifeOver",
        SheetRotatorMemoryExhausted = "sheetRotatorMemoryExhausted",
        SheetRotatorMissing = "sheetRotatorMissing",
        SheetRotatorMotorFailure = "sheetRotatorMotorFailure",
        SheetRotatorNearLimit = "sheetRotatorNearLimit",
        SheetRotatorOffline = "sheetRotatorOffline",
        SheetRotatorOpened = "sheetRotatorOpened",
        SheetRotatorOverTemperature = "sheetRotatorOverTemperature",
        SheetRotatorPowerSaver = "sheetRotatorPowerSaver",
        SheetRotatorRecoverableFailure = "sheetRotatorRecoverableFailure",
        SheetRotatorRecoverableStorage = "sheetRotatorRecoverableStorage",
        SheetRotatorRemoved = "sheetRotatorRemoved",
        SheetRotatorResourceAdded = "sheetRotatorResourceAdded",
        SheetRotatorResourceRemoved = "sheetRotatorResourceRemoved",
        SheetRotatorThermistorFailure = "sheetRotatorThermistorFailure",
        SheetRotatorTimingFailure = "sheetRotatorTimingFailure",
        SheetRotatorTurnedOff = "sheetRotatorTurnedOff",
        SheetRotatorTurnedOn = "sheetRotatorTurnedOn",
        SheetRotatorUnderTemperature = "sheetRotatorUnderTemperature",
        SheetRotatorUnrecoverableFailure = "sheetRotatorUnrecoverableFailure",
        SheetRotatorUnrecoverableStorageError = "sheetRotatorUnrecoverableStorageError",
        SheetRotatorWarmingUp = "sheetRotatorWarmingUp",
        SlitterAdded = "slitterAdded",
        SlitterAlmostEmpty = "slitterAlmostEmpty",
        SlitterAlmostFull = "slitterAlmostFull",
        SlitterAtLimit = "slitterAtLimit",
        SlitterClosed = "slitterClosed",
        SlitterConfigurationChange = "slitterConfigurationChange",
        SlitterCoverClosed = "slitterCoverClosed",
        SlitterCoverOpen = "slitterCoverOpen",
        SlitterEmpty = "slitterEmpty",
        SlitterFull = "slitterFull",
        SlitterInterlockClosed = "slitterInterlockClosed",
        SlitterInterlockOpen = "slitterInterlockOpen",
        SlitterJam = "slitterJam",
        SlitterLifeAlmostOver = "slitterLifeAlmostOver",
        SlitterLifeOver = "slitterLifeOver",
        SlitterMemoryExhausted = "slitterMemoryExhausted",
        SlitterMissing = "slitterMissing",
        SlitterMotorFailure = "slitterMotorFailure",
        SlitterNearLimit = "slitterNearLimit",
        SlitterOffline = "slitterOffline",
        SlitterOpened = "slitterOpened",
        SlitterOverTemperature = "slitterOverTemperature",
        SlitterPowerSaver = "slitterPowerSaver",
        SlitterRecoverableFailure = "slitterRecoverableFailure",
        SlitterRecoverableStorage = "slitterRecoverableStorage",
        SlitterRemoved = "slitterRemoved",
        SlitterResourceAdded = "slitterResourceAdded",
        SlitterResourceRemoved = "slitterResourceRemoved",
        SlitterThermistorFailure = "slitterThermistorFailure",
        SlitterTimingFailure = "slitterTimingFailure",
        SlitterTurnedOff = "slitterTurnedOff",
        SlitterTurnedOn = "slitterTurnedOn",
        SlitterUnderTemperature = "slitterUnderTemperature",
        SlitterUnrecoverableFailure = "slitterUnrecoverableFailure",
        SlitterUnrecoverableStorageError = "slitterUnrecoverableStorageError",
        SlitterWarmingUp = "slitterWarmingUp",
        StackerAdded = "stackerAdded",
        StackerAlmostEmpty = "stackerAlmostEmpty",
        StackerAlmostFull = "stackerAlmostFull",
        StackerAtLimit = "stackerAtLimit",
        StackerClosed = "stackerClosed",
        StackerConfigurationChange = "stackerConfigurationChange",
        StackerCoverClosed = "stackerCoverClosed",
        StackerCoverOpen = "stackerCoverOpen",
        StackerEmpty = "stackerEmpty",
        StackerFull = "stackerFull",
        StackerInterlockClosed = "stackerInterlockClosed",
        StackerInterlockOpen = "stackerInterlockOpen",
        StackerJam = "stackerJam",
        StackerLifeAlmostOver = "stackerLifeAlmostOver",
        StackerLifeOver = "stackerLifeOver",
        StackerMemoryExhausted = "stackerMemoryExhausted",
        StackerMissing = "stackerMissing",
        StackerMotorFailure = "stackerMotorFailure",
        StackerNearLimit = "stackerNearLimit",
        StackerOffline = "stackerOffline",
        StackerOpened = "stackerOpened",
        StackerOverTemperature = "stackerOverTemperature",
        StackerPowerSaver = "stackerPowerSaver",
        StackerRecoverableFailure = "stackerRecoverableFailure",
        StackerRecoverableStorage = "stackerRecoverableStorage",
        StackerRemoved = "stackerRemoved",
        StackerResourceAdded = "stackerResourceAdded",
        StackerResourceRemoved = "stackerResourceRemoved",
        StackerThermistorFailure = "stackerThermistorFailure",
        StackerTimingFailure = "stackerTimingFailure",
        StackerTurnedOff = "stackerTurnedOff",
        StackerTurnedOn = "stackerTurnedOn",
        StackerUnderTemperature = "stackerUnderTemperature",
        StackerUnrecoverableFailure = "stackerUnrecoverableFailure",
        StackerUnrecoverableStorageError = "stackerUnrecoverableStorageError",
        StackerWarmingUp = "stackerWarmingUp",
        Standby = "standby",
        StaplerAdded = "staplerAdded",
        StaplerAlmostEmpty = "staplerAlmostEmpty",
        StaplerAlmostFull = "staplerAlmostFull",
        StaplerAtLimit = "staplerAtLimit",
        StaplerClosed = "staplerClosed",
        StaplerConfigurationChange = "staplerConfigurationChange",
        StaplerCoverClosed = "staplerCoverClosed",
        StaplerCoverOpen = "staplerCoverOpen",
        StaplerEmpty = "staplerEmpty",
        StaplerFull = "staplerFull",
        StaplerInterlockClosed = "staplerInterlockClosed",
        StaplerInterlockOpen = "staplerInterlockOpen",
        StaplerJam = "staplerJam",
        StaplerLifeAlmostOver = "staplerLifeAlmostOver",
        StaplerLifeOver = "staplerLifeOver",
        StaplerMemoryExhausted = "staplerMemoryExhausted",
        StaplerMissing = "staplerMissing",
        StaplerMotorFailure = "staplerMotorFailure",
        StaplerNearLimit = "staplerNearLimit",
        StaplerOffline = "staplerOffline",
        StaplerOpened = "staplerOpened",
        StaplerOverTemperature = "staplerOverTemperature",
        StaplerPowerSaver = "staplerPowerSaver",
        StaplerRecoverableFailure = "staplerRecoverableFailure",
        StaplerRecoverableStorage = "staplerRecoverableStorage",
        StaplerRemoved = "staplerRemoved",
        StaplerResourceAdded = "staplerResourceAdded",
        StaplerResourceRemoved = "staplerResourceRemoved",
        StaplerThermistorFailure = "staplerThermistorFailure",
        StaplerTimingFailure = "staplerTimingFailure",
        StaplerTurnedOff = "staplerTurnedOff",
        StaplerTurnedOn = "staplerTurnedOn",
        StaplerUnderTemperature = "staplerUnderTemperature",
        StaplerUnrecoverableFailure = "staplerUnrecoverableFailure",
        StaplerUnrecoverableStorageError = "staplerUnrecoverableStorageError",
        StaplerWarmingUp = "staplerWarmingUp",
        StitcherAdded = "stitcherAdded",
        StitcherAlmostEmpty = "stitcherAlmostEmpty",
        StitcherAlmostFull = "stitcherAlmostFull",
        StitcherAtLimit = "stitcherAtLimit",
        StitcherClosed = "stitcherClosed",
        StitcherConfigurationChange = "stitcherConfigurationChange",
        StitcherCoverClosed = "stitcherCoverClosed",
        StitcherCoverOpen = "stitcherCoverOpen",
        StitcherEmpty = "stitcherEmpty",
        StitcherFull = "stitcherFull",
        StitcherInterlockClosed = "stitcherInterlockClosed",
        StitcherInterlockOpen = "stitcherInterlockOpen",
        StitcherJam = "stitcherJam",
        StitcherLifeAlmostOver = "stitcherLifeAlmostOver",
        StitcherLifeOver = "stitcherLifeOver",
        StitcherMemoryExhausted = "stitcherMemoryExhausted",
        StitcherMissing = "stitcherMissing",
        StitcherMotorFailure = "stitcherMotorFailure",
        StitcherNearLimit = "stitcherNearLimit",
        StitcherOffline = "stitcherOffline",
        StitcherOpened = "stitcherOpened",
        StitcherOverTemperature = "stitcherOverTemperature",
        StitcherPowerSaver = "stitcherPowerSaver",
        StitcherRecoverableFailure = "stitcherRecoverableFailure",
        StitcherRecoverableStorage = "stitcherRecoverableStorage",
        StitcherRemoved = "stitcherRemoved",
        StitcherResourceAdded = "stitcherResourceAdded",
        StitcherResourceRemoved = "stitcherResourceRemoved",
        StitcherThermistorFailure = "stitcherThermistorFailure",
        StitcherTimingFailure = "stitcherTimingFailure",
        StitcherTurnedOff = "stitcherTurnedOff",
        StitcherTurnedOn = "stitcherTurnedOn",
        StitcherUnderTemperature = "stitcherUnderTemperature",
        StitcherUnrecoverableFailure = "stitcherUnrecoverableFailure",
        StitcherUnrecoverableStorageError = "stitcherUnrecoverableStorageError",
        StitcherWarmingUp = "stitcherWarmingUp",
        SubunitAdded = "subunitAdded",
        SubunitAlmostEmpty = "subunitAlmostEmpty",
        SubunitAlmostFull = "subunitAlmostFull",
        SubunitAtLimit = "subunitAtLimit",
        SubunitClosed = "subunitClosed",
        SubunitCoolingDown = "subunitCoolingDown",
        SubunitEmpty = "subunitEmpty",
        SubunitFull = "subunitFull",
        SubunitLifeAlmostOver = "subunitLifeAlmostOver",
        SubunitLifeOver = "subunitLifeOver",
        SubunitMemoryExhausted = "subunitMemoryExhausted",
        SubunitMissing = "subunitMissing",
        SubunitMotorFailure = "subunitMotorFailure",
        SubunitNearLimit = "subunitNearLimit",
        SubunitOffline = "subunitOffline",
        SubunitOpened = "subunitOpened",
        SubunitOverTemperature = "subunitOverTemperature",
        SubunitPowerSaver = "subunitPowerSaver",
        SubunitRecoverableFailure = "subunitRecoverableFailure",
        SubunitRecoverableStorage = "subunitRecoverableStorage",
        SubunitRemoved = "subunitRemoved",
        SubunitResourceAdded = "subunitResourceAdded",
        SubunitResourceRemoved = "subunitResourceRemoved",
        SubunitThermistorFailure = "subunitThermistorFailure",
        SubunitTimingFailure = "subunitTimingFailure",
        SubunitTurnedOff = "subunitTurnedOff",
        SubunitTurnedOn = "subunitTurnedOn",
        SubunitUnderTemperature = "subunitUnderTemperature",
        SubunitUnrecoverableFailure = "subunitUnrecoverableFailure",
        SubunitUnrecoverableStorage = "subunitUnrecoverableStorage",
        SubunitWarmingUp = "subunitWarmingUp",
        Suspend = "suspend",
        Testing = "testing",
        TrimmerAdded = "trimmerAdded",
        TrimmerAlmostEmpty = "trimmerAlmostEmpty",
        TrimmerAlmostFull = "trimmerAlmostFull",
        TrimmerAtLimit = "trimmerAtLimit",
        TrimmerClosed = "trimmerClosed",
        TrimmerConfigurationChange = "trimmerConfigurationChange",
        TrimmerCoverClosed = "trimmerCoverClosed",
        TrimmerCoverOpen = "trimmerCoverOpen",
        TrimmerEmpty = "trimmerEmpty",
        TrimmerFull = "trimmerFull",
        TrimmerInterlockClosed = "trimmerInterlockClosed",
        TrimmerInterlockOpen = "trimmerInterlockOpen",
        TrimmerJam = "trimmerJam",
        TrimmerLifeAlmostOver = "trimmerLifeAlmostOver",
        TrimmerLifeOver = "trimmerLifeOver",
        TrimmerMemoryExhausted = "trimmerMemoryExhausted",
        TrimmerMissing = "trimmerMissing",
        TrimmerMotorFailure = "trimmerMotorFailure",
        TrimmerNearLimit = "trimmerNearLimit",
        TrimmerOffline = "trimmerOffline",
        TrimmerOpened = "trimmerOpened",
        TrimmerOverTemperature = "trimmerOverTemperature",
        TrimmerPowerSaver = "trimmerPowerSaver",
        TrimmerRecoverableFailure = "trimmerRecoverableFailure",
        TrimmerRecoverableStorage = "trimmerRecoverableStorage",
        TrimmerRemoved = "trimmerRemoved",
        TrimmerResourceAdded = "trimmerResourceAdded",
        TrimmerResourceRemoved = "trimmerResourceRemoved",
        TrimmerThermistorFailure = "trimmerThermistorFailure",
        TrimmerTimingFailure = "trimmerTimingFailure",
        TrimmerTurnedOff = "trimmerTurnedOff",
        TrimmerTurnedOn = "trimmerTurnedOn",
        TrimmerUnderTemperature = "trimmerUnderTemperature",
        TrimmerUnrecoverableFailure = "trimmerUnrecoverableFailure",
        TrimmerUnrecoverableStorageError = "trimmerUnrecoverableStorageError",
        TrimmerWarmingUp = "trimmerWarmingUp",
        Unknown = "unknown",
        WrapperAdded = "wrapperAdded",
        WrapperAlmostEmpty = "wrapperAlmostEmpty",
        WrapperAlmostFull = "wrapperAlmostFull",
        WrapperAtLimit = "wrapperAtLimit",
        WrapperClosed = "wrapperClosed",
        WrapperConfigurationChange = "wrapperConfigurationChange",
        WrapperCoverClosed = "wrapperCoverClosed",
        WrapperCoverOpen = "wrapperCoverOpen",
        WrapperEmpty = "wrapperEmpty",
        WrapperFull = "wrapperFull",
        WrapperInterlockClosed = "wrapperInterlockClosed",
        WrapperInterlockOpen = "wrapperInterlockOpen",
        WrapperJam = "wrapperJam",
        WrapperLifeAlmostOver = "wrapperLifeAlmostOver",
        WrapperLifeOver = "wrapperLifeOver",
        WrapperMemoryExhausted = "wrapperMemoryExhausted",
        WrapperMissing = "wrapperMissing",
        WrapperMotorFailure = "wrapperMotorFailure",
        WrapperNearLimit = "wrapperNearLimit",
        WrapperOffline = "wrapperOffline",
        WrapperOpened = "wrapperOpened",
        WrapperOverTemperature = "wrapperOverTemperature",
        WrapperPowerSaver = "wrapperPowerSaver",
        WrapperRecoverableFailure = "wrapperRecoverableFailure",
        WrapperRecoverableStorage = "wrapperRecoverableStorage",
        WrapperRemoved = "wrapperRemoved",
        WrapperResourceAdded = "wrapperResourceAdded",
        WrapperResourceRemoved = "wrapperResourceRemoved",
        WrapperThermistorFailure = "wrapperThermistorFailure",
        WrapperTimingFailure = "wrapperTimingFailure",
        WrapperTurnedOff = "wrapperTurnedOff",
        WrapperTurnedOn = "wrapperTurnedOn",
        WrapperUnderTemperature = "wrapperUnderTemperature",
        WrapperUnrecoverableFailure = "wrapperUnrecoverableFailure",
        WrapperUnrecoverableStorageError = "wrapperUnrecoverableStorageError",
        WrapperWarmingUp = "wrapperWarmingUp",
    }
);

/// Serde helpers for `Edm.DateTimeOffset` (RFC 3339; Graph sends up to 7 fractional digits).
mod datetime {
    pub(super) use time::serde::rfc3339 as required;
    pub(super) use time::serde::rfc3339::option;
}

/// A collection response: `{"@odata.context", "value": [...], "@odata.nextLink"}`.
///
/// Follow `next_link` as the whole URL (it carries an opaque `$skiptoken`); it is absent on
/// the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collection<T> {
    /// `@odata.context`: the metadata URL describing the payload.
    #[serde(
        rename = "@odata.context",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub context: Option<String>,
    /// The items of this page.
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    /// `@odata.nextLink`: the absolute URL of the next page.
    #[serde(
        rename = "@odata.nextLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
}

/// A single-entity response with its `@odata.context`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity<T> {
    /// `@odata.context`: the metadata URL describing the payload.
    #[serde(
        rename = "@odata.context",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub context: Option<String>,
    /// The entity.
    #[serde(flatten)]
    pub entity: T,
}

/// `userIdentity` (with `identity`'s properties): who created a job. All properties nullable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    /// The user's object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The IP address the job was submitted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The user's principal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
}

/// `printJobStatus`: all four properties are non-nullable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintJobStatus {
    /// A human-readable description of the state.
    #[serde(default)]
    pub description: String,
    /// Details of the state.
    #[serde(default)]
    pub details: Vec<PrintJobStateDetail>,
    /// Whether a printer has acquired (started working on) the job.
    #[serde(default)]
    pub is_acquired_by_printer: bool,
    /// The state.
    pub state: PrintJobProcessingState,
}

/// `integerRange`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegerRange {
    /// Inclusive end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<i64>,
    /// Inclusive start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
}

/// `printMargin` (microns).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintMargin {
    /// Bottom margin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bottom: Option<i32>,
    /// Left margin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<i32>,
    /// Right margin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<i32>,
    /// Top margin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<i32>,
}

/// `printJobConfiguration`: how a job is printed. All properties nullable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintJobConfiguration {
    /// Collate copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collate: Option<bool>,
    /// Color mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_mode: Option<PrintColorMode>,
    /// Number of copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<i32>,
    /// Resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpi: Option<i32>,
    /// Duplex mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplex_mode: Option<PrintDuplexMode>,
    /// Feed orientation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_orientation: Option<PrinterFeedOrientation>,
    /// Finishing processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finishings: Option<Vec<PrintFinishing>>,
    /// Fit PDF to page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit_pdf_to_page: Option<bool>,
    /// Input bin (tray).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bin: Option<String>,
    /// Margins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<PrintMargin>,
    /// Media size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_size: Option<String>,
    /// Media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Multipage layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipage_layout: Option<PrintMultipageLayout>,
    /// Orientation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<PrintOrientation>,
    /// Output bin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bin: Option<String>,
    /// Page ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_ranges: Option<Vec<IntegerRange>>,
    /// Pages per sheet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages_per_sheet: Option<i32>,
    /// Quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<PrintQuality>,
    /// Scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<PrintScaling>,
}

/// `printDocument`: a document of a job (`$expand=documents`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintDocument {
    /// Document id.
    pub id: String,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Document name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// When the printer downloaded it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "datetime::option"
    )]
    pub downloaded_date_time: Option<OffsetDateTime>,
    /// Size in bytes (non-nullable).
    #[serde(default)]
    pub size: i64,
    /// When it was uploaded.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "datetime::option"
    )]
    pub uploaded_date_time: Option<OffsetDateTime>,
}

/// `printJob`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintJob {
    /// Job id (Graph uses numeric strings such as `"31"`).
    pub id: String,
    /// When the job was acknowledged by a printer.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "datetime::option"
    )]
    pub acknowledged_date_time: Option<OffsetDateTime>,
    /// How the job is printed (non-nullable).
    #[serde(default)]
    pub configuration: PrintJobConfiguration,
    /// Who created the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserIdentity>,
    /// When the job was created (non-nullable).
    #[serde(with = "datetime::required")]
    pub created_date_time: OffsetDateTime,
    /// The error code of a failed job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i32>,
    /// Whether the job can be fetched by a printer (non-nullable).
    #[serde(default)]
    pub is_fetchable: bool,
    /// The printer the job was redirected from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirected_from: Option<String>,
    /// The printer the job was redirected to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirected_to: Option<String>,
    /// The job's status (non-nullable).
    pub status: PrintJobStatus,
    /// The documents (only with `$expand=documents`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<PrintDocument>>,
}

/// `printerStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrinterStatus {
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Why the printer is in this state (non-nullable).
    #[serde(default)]
    pub details: Vec<PrinterProcessingStateDetail>,
    /// The state (non-nullable).
    pub state: PrinterProcessingState,
}

/// `printerLocation`. All properties nullable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrinterLocation {
    /// Altitude in meters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_in_meters: Option<i32>,
    /// Building.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_or_region: Option<String>,
    /// Floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    /// Floor description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_description: Option<String>,
    /// Latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Organizations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Vec<String>>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Room description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_description: Option<String>,
    /// Room name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_name: Option<String>,
    /// Site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// State or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_province: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// Subdivisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<Vec<String>>,
    /// Subunits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subunit: Option<Vec<String>>,
}

/// `printerDefaults`. All properties nullable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrinterDefaults {
    /// Color mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_mode: Option<PrintColorMode>,
    /// Content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Copies per job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies_per_job: Option<i32>,
    /// Resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpi: Option<i32>,
    /// Duplex mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplex_mode: Option<PrintDuplexMode>,
    /// Finishings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finishings: Option<Vec<PrintFinishing>>,
    /// Fit PDF to page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit_pdf_to_page: Option<bool>,
    /// Input bin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bin: Option<String>,
    /// Media color.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_color: Option<String>,
    /// Media size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_size: Option<String>,
    /// Media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Multipage layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipage_layout: Option<PrintMultipageLayout>,
    /// Orientation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<PrintOrientation>,
    /// Output bin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bin: Option<String>,
    /// Pages per sheet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages_per_sheet: Option<i32>,
    /// Quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<PrintQuality>,
    /// Scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<PrintScaling>,
}

/// `printerCapabilities`: every property of the metadata (all nullable).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrinterCapabilities {
    /// Supported bottom margins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bottom_margins: Option<Vec<i32>>,
    /// Collation support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<bool>,
    /// Color modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_modes: Option<Vec<PrintColorMode>>,
    /// Content types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_types: Option<Vec<String>>,
    /// Copies per job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies_per_job: Option<IntegerRange>,
    /// Resolutions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpis: Option<Vec<i32>>,
    /// Duplex modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplex_modes: Option<Vec<PrintDuplexMode>>,
    /// Feed orientations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_orientations: Option<Vec<PrinterFeedOrientation>>,
    /// Finishings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finishings: Option<Vec<PrintFinishing>>,
    /// Input bins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bins: Option<Vec<String>>,
    /// Color printing support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_color_printing_supported: Option<bool>,
    /// Page range support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_page_range_supported: Option<bool>,
    /// Supported left margins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_margins: Option<Vec<i32>>,
    /// Media colors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_colors: Option<Vec<String>>,
    /// Media sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_sizes: Option<Vec<String>>,
    /// Media types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_types: Option<Vec<String>>,
    /// Multipage layouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipage_layouts: Option<Vec<PrintMultipageLayout>>,
    /// Orientations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientations: Option<Vec<PrintOrientation>>,
    /// Output bins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bins: Option<Vec<String>>,
    /// Pages per sheet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages_per_sheet: Option<Vec<i32>>,
    /// Qualities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualities: Option<Vec<PrintQuality>>,
    /// Supported right margins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_margins: Option<Vec<i32>>,
    /// Scalings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalings: Option<Vec<PrintScaling>>,
    /// Fit-PDF-to-page support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_fit_pdf_to_page: Option<bool>,
    /// Supported top margins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_margins: Option<Vec<i32>>,
}

/// `printerBase`: the properties printers and printer shares have in common.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrinterBase {
    /// Id (non-nullable).
    pub id: String,
    /// Capabilities (only on GET of one printer/share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<PrinterCapabilities>,
    /// Defaults (only on GET of one printer/share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<PrinterDefaults>,
    /// Display name (non-nullable).
    #[serde(default)]
    pub display_name: String,
    /// Whether it accepts jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_accepting_jobs: Option<bool>,
    /// Physical location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<PrinterLocation>,
    /// Manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Status (non-nullable in the metadata, yet absent from the limited share listing a user
    /// who is not a Printer Administrator gets: `print-list-shares.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PrinterStatus>,
}

/// `printer` (inherits `printerBase`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Printer {
    /// The `printerBase` properties.
    #[serde(flatten)]
    pub base: PrinterBase,
    /// Whether a physical device backs it (non-nullable).
    #[serde(default)]
    pub has_physical_device: bool,
    /// Whether it is shared (non-nullable).
    #[serde(default)]
    pub is_shared: bool,
    /// When it was last seen online.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "datetime::option"
    )]
    pub last_seen_date_time: Option<OffsetDateTime>,
    /// When it was registered (non-nullable).
    #[serde(with = "datetime::required")]
    pub registered_date_time: OffsetDateTime,
}

/// `printerShareViewpoint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrinterShareViewpoint {
    /// When the signed-in user last used the share.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "datetime::option"
    )]
    pub last_used_date_time: Option<OffsetDateTime>,
}

/// `printerShare` (inherits `printerBase`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrinterShare {
    /// The `printerBase` properties.
    #[serde(flatten)]
    pub base: PrinterBase,
    /// Whether every user and group may print to it (non-nullable in the metadata, yet absent
    /// from the limited listing a user who is not a Printer Administrator gets:
    /// `print-list-shares.md`; `None` then, and left out when written again, so printjob never
    /// shows a value the service did not send).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_all_users: Option<bool>,
    /// When it was created (non-nullable in the metadata, yet absent from the limited listing
    /// a user who is not a Printer Administrator gets: `print-list-shares.md`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "datetime::option"
    )]
    pub created_date_time: Option<OffsetDateTime>,
    /// The signed-in user's view of the share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_point: Option<PrinterShareViewpoint>,
    /// The printer it shares (only with `$expand=printer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<Box<Printer>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// `Nullable="false"` properties from the v1.0 metadata (entity `id` included).
    const PRINT_JOB_NON_NULLABLE: [&str; 5] = [
        "id",
        "configuration",
        "createdDateTime",
        "isFetchable",
        "status",
    ];
    const PRINT_JOB_STATUS_NON_NULLABLE: [&str; 4] =
        ["description", "details", "isAcquiredByPrinter", "state"];
    const PRINTER_NON_NULLABLE: [&str; 6] = [
        "id",
        "displayName",
        "status",
        "hasPhysicalDevice",
        "isShared",
        "registeredDateTime",
    ];
    const PRINTER_STATUS_NON_NULLABLE: [&str; 2] = ["details", "state"];
    const PRINTER_SHARE_NON_NULLABLE: [&str; 5] = [
        "id",
        "displayName",
        "status",
        "allowAllUsers",
        "createdDateTime",
    ];

    fn base(id: &str) -> PrinterBase {
        PrinterBase {
            id: id.into(),
            capabilities: None,
            defaults: None,
            display_name: "Lobby".into(),
            is_accepting_jobs: None,
            location: None,
            manufacturer: None,
            model: None,
            status: Some(PrinterStatus {
                description: None,
                details: vec![],
                state: PrinterProcessingState::Idle,
            }),
        }
    }

    fn keys(value: &serde_json::Value) -> Vec<String> {
        value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn assert_has_all(value: &serde_json::Value, names: &[&str]) {
        let present = keys(value);
        for name in names {
            assert!(
                present.iter().any(|k| k == name),
                "{name} missing in {value}"
            );
        }
    }

    #[test]
    fn minimal_print_job_serializes_every_non_nullable_property() {
        let job = PrintJob {
            id: "31".into(),
            acknowledged_date_time: None,
            configuration: PrintJobConfiguration::default(),
            created_by: None,
            created_date_time: datetime!(2024-05-01 09:30 UTC),
            error_code: None,
            is_fetchable: false,
            redirected_from: None,
            redirected_to: None,
            status: PrintJobStatus {
                description: String::new(),
                details: vec![],
                is_acquired_by_printer: false,
                state: PrintJobProcessingState::Pending,
            },
            documents: None,
        };
        let json = serde_json::to_value(&job).unwrap();
        assert_has_all(&json, &PRINT_JOB_NON_NULLABLE);
        assert_has_all(&json["status"], &PRINT_JOB_STATUS_NON_NULLABLE);
        assert!(json.get("createdBy").is_none(), "None is skipped");
    }

    #[test]
    fn minimal_printer_and_share_serialize_every_non_nullable_property() {
        let printer = Printer {
            base: base("p1"),
            has_physical_device: false,
            is_shared: false,
            last_seen_date_time: None,
            registered_date_time: datetime!(2024-01-01 0:00 UTC),
        };
        let json = serde_json::to_value(&printer).unwrap();
        assert_has_all(&json, &PRINTER_NON_NULLABLE);
        assert_has_all(&json["status"], &PRINTER_STATUS_NON_NULLABLE);
        let share = PrinterShare {
            base: base("s1"),
            allow_all_users: Some(false),
            created_date_time: Some(datetime!(2024-01-01 0:00 UTC)),
            view_point: None,
            printer: None,
        };
        assert_has_all(
            &serde_json::to_value(&share).unwrap(),
            &PRINTER_SHARE_NON_NULLABLE,
        );
    }

    #[test]
    fn a_limited_share_listing_is_written_again_without_fields_the_service_did_not_send() {
        // print-list-shares.md: a user who is not a Printer Administrator gets only id,
        // displayName, manufacturer, model and location.
        let limited = r#"{"id": "s1", "displayName": "Lobby", "manufacturer": "Contoso", "model": "X1", "location": {}}"#;
        let share: PrinterShare = serde_json::from_str(limited).unwrap();
        let json = serde_json::to_value(&share).unwrap();
        assert!(json.get("allowAllUsers").is_none(), "{json}");
        assert!(json.get("createdDateTime").is_none(), "{json}");
    }

    /// The "List printJobs for a printer" example response from the Graph reference, plus a
    /// property and an enum member this crate does not know.
    const LIST_JOBS_SAMPLE: &str = r#"{
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#print/printers('2f3453b7-4686-4b5b-9575-4f1e5b909ba7')/jobs",
      "value": [
        {
          "id": "103",
          "createdDateTime": "2020-02-04T00:00:00.0000000Z",
          "createdBy": {
            "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "displayName": "John Smith",
            "userPrincipalName": "john.smith@contoso.com"
          },
          "status": {
            "state": "completed",
            "description": "The print job has completed successfully and no further processing will take place.",
            "details": [],
            "isAcquiredByPrinter": true
          },
          "configuration": {},
          "redirectedTo": null,
          "redirectedFrom": null,
          "isFetchable": false
        },
        {
          "id": "104",
          "createdDateTime": "2020-02-04T00:01:00Z",
          "createdBy": {},
          "status": {"state": "holdForRelease", "description": "", "details": ["someNewDetail"], "isAcquiredByPrinter": false},
          "someFutureProperty": {"nested": true}
        }
      ],
      "@odata.nextLink": "https://graph.microsoft.com/v1.0/print/printers/x/jobs?$skiptoken=abc"
    }"#;

    #[test]
    fn graph_list_jobs_response_deserializes_leniently() {
        let page: Collection<PrintJob> = serde_json::from_str(LIST_JOBS_SAMPLE).unwrap();
        assert_eq!(page.value.len(), 2);
        let first = &page.value[0];
        assert_eq!(first.status.state, PrintJobProcessingState::Completed);
        assert_eq!(
            first
                .created_by
                .as_ref()
                .unwrap()
                .user_principal_name
                .as_deref(),
            Some("john.smith@contoso.com")
        );
        assert_eq!(first.created_date_time, datetime!(2020-02-04 0:00 UTC));
        let second = &page.value[1];
        assert_eq!(
            second.status.state,
            PrintJobProcessingState::Unrecognized("holdForRelease".into())
        );
        assert_eq!(
            second.status.details,
            vec![PrintJobStateDetail::Unrecognized("someNewDetail".into())]
        );
        assert!(page.next_link.unwrap().contains("$skiptoken"));
    }

    #[test]
    fn unrecognized_enum_member_round_trips_verbatim() {
        let value = PrinterProcessingStateDetail::from_wire("laserOnFire");
        assert_eq!(serde_json::to_string(&value).unwrap(), "\"laserOnFire\"");
        assert_eq!(
            serde_json::to_string(&PrintJobProcessingState::UnknownFutureValue).unwrap(),
            "\"unknownFutureValue\""
        );
    }

    #[test]
    fn enum_members_match_the_metadata_counts() {
        assert_eq!(PrintJobProcessingState::MEMBERS.len(), 9);
        assert_eq!(PrinterProcessingState::MEMBERS.len(), 5);
        assert_eq!(PrinterProcessingStateDetail::MEMBERS.len(), 826);
        assert!(PrintFinishing::MEMBERS.contains(&"unknownFutureValue"));
    }
}
