"""The rF2 Shared Memory Map Plugin's mapped structures, laid out exactly as its header declares them.

Source: TheIronWolfModding/rF2SharedMemoryMapPlugin, ``Include/rF2State.h`` at commit
8241847c885feea7c8ef75856d1b762ff03dd965 (plugin 3.7.x, the layout with the
``rF2MappedBufferVersionBlock`` and ``mVersion[12]``), which mirrors ISI's
``InternalsPlugin.hpp`` (Internals Plugin #7) types; ``Include/MappedBuffer.h``
for how a page is mapped. The header is ``#pragma pack(push, 4)`` throughout and
targets 64-bit Windows, so ``long`` is 4 bytes and pointers were replaced by
8-byte arrays. LMU serves the same pages when the plugin is enabled.

Every mapping is ``rF2MappedBufferVersionBlock`` (8 bytes) followed by the
buffer structure (``MappedBuffer::MapMemoryFile``); the ``*Page`` structures here
are that pair. ``rF2MappedBufferHeader`` has only static members, so it adds no
bytes. Units are those of the header comments; known deviations are noted.
"""

from __future__ import annotations

import ctypes
from typing import Final

MAX_MAPPED_VEHICLES: Final = 128
MAX_MAPPED_IDS: Final = 512
MAX_STATUS_MSG_LEN: Final = 128
MAX_RULES_INSTRUCTION_MSG_LEN: Final = 96
MESSAGE_TEXT_LEN: Final = 128  # sizeof(MessageInfoV01::mText)

TELEMETRY_PAGE: Final = "$rFactor2SMMP_Telemetry$"
SCORING_PAGE: Final = "$rFactor2SMMP_Scoring$"
EXTENDED_PAGE: Final = "$rFactor2SMMP_Extended$"

# mSession: 0=testday 1-4=practice 5-8=qual 9=warmup 10-13=race
# mGamePhase: 0 before session, 1 recon laps, 2 grid walk, 3 formation, 4 countdown, 5 green,
#             6 full course yellow, 7 stopped, 8 over, 9 paused (a heartbeat call)
GAME_PHASE_PAUSED: Final = 9
# mControl: -1 nobody, 0 local player, 1 local AI, 2 remote, 3 replay
CONTROL_REPLAY: Final = 3
# mCountLapFlag: 0 do not count lap or time, 1 count lap but not time, 2 count lap and time
COUNT_LAP_AND_TIME: Final = 2

_i8, _u8, _i16, _u16 = ctypes.c_int8, ctypes.c_uint8, ctypes.c_int16, ctypes.c_uint16
_i32, _u32, _u64 = ctypes.c_int32, ctypes.c_uint32, ctypes.c_uint64
_f32, _f64, _bool, _char = ctypes.c_float, ctypes.c_double, ctypes.c_bool, ctypes.c_char


class _Pack4(ctypes.LittleEndianStructure):
    _pack_ = 4
    _layout_ = "ms"  # MSVC rules; only read by Python >= 3.13, which wants it spelled out with _pack_


class Vec3(_Pack4):
    """rF2Vec3 (TelemVect3)."""

    _fields_ = (
        ("x", _f64),
        ("y", _f64),
        ("z", _f64),
    )


class Wheel(_Pack4):
    """rF2Wheel (TelemWheelV01)."""

    _fields_ = (
        ("mSuspensionDeflection", _f64),  # m
        ("mRideHeight", _f64),  # m
        ("mSuspForce", _f64),  # pushrod load, N
        ("mBrakeTemp", _f64),  # header says Celsius; the game reports Kelvin (CrewChief, TinyPedal convert)
        ("mBrakePressure", _f64),  # 0..1, driver input times brake balance
        ("mRotation", _f64),  # rad/s
        ("mLateralPatchVel", _f64),  # m/s at the contact patch
        ("mLongitudinalPatchVel", _f64),  # m/s
        ("mLateralGroundVel", _f64),  # m/s
        ("mLongitudinalGroundVel", _f64),  # m/s
        ("mCamber", _f64),  # rad, positive outwards
        ("mLateralForce", _f64),  # N
        ("mLongitudinalForce", _f64),  # N
        ("mTireLoad", _f64),  # N
        ("mGripFract", _f64),  # fraction of the contact patch that is sliding
        ("mPressure", _f64),  # kPa
        ("mTemperature", _f64 * 3),  # Kelvin, surface left/centre/right of the car (not inside/outside)
        ("mWear", _f64),  # 0..1 "fraction of maximum": 1 = new tyre (CrewChief shows (1 - mWear) as wear)
        ("mTerrainName", _char * 16),  # material prefix from the TDF file
        ("mSurfaceType", _u8),  # 0 dry, 1 wet, 2 grass, 3 dirt, 4 gravel, 5 rumble strip, 6 special
        ("mFlat", _bool),  # tyre is flat
        ("mDetached", _bool),  # wheel is detached
        ("mStaticUndeflectedRadius", _u8),  # cm
        ("mVerticalTireDeflection", _f64),  # m from the speed-sensitive radius
        ("mWheelYLocation", _f64),  # m, relative to the vehicle y
        ("mToe", _f64),  # rad
        ("mTireCarcassTemperature", _f64),  # Kelvin, rough average of carcass samples
        ("mTireInnerLayerTemperature", _f64 * 3),  # Kelvin, innermost rubber layer, left/centre/right
        ("mExpansion", _u8 * 24),
    )


class VehicleTelemetry(_Pack4):
    """rF2VehicleTelemetry (TelemInfoV01). Local axes: +x left, +y up, +z towards the back of the car."""

    _fields_ = (
        ("mID", _i32),  # slot ID, re-usable in multiplayer
        ("mDeltaTime", _f64),  # s since last update
        ("mElapsedTime", _f64),  # s, game session time
        ("mLapNumber", _i32),  # current lap number
        ("mLapStartET", _f64),  # s, session time this lap started
        ("mVehicleName", _char * 64),
        ("mTrackName", _char * 64),
        ("mPos", Vec3),  # m, world position
        ("mLocalVel", Vec3),  # m/s, local vehicle coordinates
        ("mLocalAccel", Vec3),  # m/s², local vehicle coordinates
        ("mOri", Vec3 * 3),  # rows of the orientation matrix
        ("mLocalRot", Vec3),  # rad/s
        ("mLocalRotAccel", Vec3),  # rad/s²
        ("mGear", _i32),  # -1 reverse, 0 neutral, 1+ forward
        ("mEngineRPM", _f64),  # rpm
        ("mEngineWaterTemp", _f64),  # °C
        ("mEngineOilTemp", _f64),  # °C
        ("mClutchRPM", _f64),  # rpm
        ("mUnfilteredThrottle", _f64),  # 0..1
        ("mUnfilteredBrake", _f64),  # 0..1
        ("mUnfilteredSteering", _f64),  # -1..1, left to right
        ("mUnfilteredClutch", _f64),  # 0..1
        ("mFilteredThrottle", _f64),  # 0..1, after aids and limiters
        ("mFilteredBrake", _f64),  # 0..1
        ("mFilteredSteering", _f64),  # -1..1
        ("mFilteredClutch", _f64),  # 0..1
        ("mSteeringShaftTorque", _f64),  # N·m
        ("mFront3rdDeflection", _f64),  # m
        ("mRear3rdDeflection", _f64),  # m
        ("mFrontWingHeight", _f64),  # m
        ("mFrontRideHeight", _f64),  # m
        ("mRearRideHeight", _f64),  # m
        ("mDrag", _f64),  # N
        ("mFrontDownforce", _f64),  # N
        ("mRearDownforce", _f64),  # N
        ("mFuel", _f64),  # litres
        ("mEngineMaxRPM", _f64),  # rev limit, rpm
        ("mScheduledStops", _u8),
        ("mOverheating", _bool),
        ("mDetached", _bool),  # any part besides wheels detached
        ("mHeadlights", _bool),
        ("mDentSeverity", _u8 * 8),  # 0 none, 1 some, 2 more, at 8 places around the car
        ("mLastImpactET", _f64),  # s
        ("mLastImpactMagnitude", _f64),
        ("mLastImpactPos", Vec3),  # m
        ("mEngineTorque", _f64),  # N·m
        ("mCurrentSector", _i32),  # zero-based, pit lane in the sign bit
        ("mSpeedLimiter", _u8),
        ("mMaxGears", _u8),
        ("mFrontTireCompoundIndex", _u8),
        ("mRearTireCompoundIndex", _u8),
        ("mFuelCapacity", _f64),  # litres
        ("mFrontFlapActivated", _u8),
        ("mRearFlapActivated", _u8),
        ("mRearFlapLegalStatus", _u8),  # 0 disallowed, 1 detected not yet allowed, 2 allowed
        ("mIgnitionStarter", _u8),  # 0 off, 1 ignition, 2 ignition + starter
        ("mFrontTireCompoundName", _char * 18),
        ("mRearTireCompoundName", _char * 18),
        ("mSpeedLimiterAvailable", _u8),
        ("mAntiStallActivated", _u8),
        ("mUnused", _u8 * 2),
        ("mVisualSteeringWheelRange", _f32),  # degrees
        ("mRearBrakeBias", _f64),  # fraction on the rear
        ("mTurboBoostPressure", _f64),
        ("mPhysicsToGraphicsOffset", _f32 * 3),  # m
        ("mPhysicalSteeringWheelRange", _f32),  # degrees
        ("mBatteryChargeFraction", _f64),  # 0..1
        ("mElectricBoostMotorTorque", _f64),  # N·m, negative when regenerating
        ("mElectricBoostMotorRPM", _f64),
        ("mElectricBoostMotorTemperature", _f64),
        ("mElectricBoostWaterTemperature", _f64),
        ("mElectricBoostMotorState", _u8),  # 0 unavailable, 1 inactive, 2 propulsion, 3 regeneration
        ("mExpansion", _u8 * 111),
        ("mWheels", Wheel * 4),  # FL, FR, RL, RR
    )


class ScoringInfo(_Pack4):
    """rF2ScoringInfo (ScoringInfoV01)."""

    _fields_ = (
        ("mTrackName", _char * 64),
        ("mSession", _i32),  # see the mSession note above
        ("mCurrentET", _f64),  # s
        ("mEndET", _f64),  # s
        ("mMaxLaps", _i32),
        ("mLapDist", _f64),  # m, length of the lap
        ("pointer1", _u8 * 8),  # was char *mResultsStream
        ("mNumVehicles", _i32),
        ("mGamePhase", _u8),  # see the mGamePhase note above
        ("mYellowFlagState", _i8),  # -1 invalid, 0 none, 1 pending, 2 pits closed, ... 7 race halt
        ("mSectorFlag", _i8 * 3),  # local yellows per sector
        ("mStartLight", _u8),
        ("mNumRedLights", _u8),
        ("mInRealtime", _bool),  # driving, as opposed to at the monitor
        ("mPlayerName", _char * 32),
        ("mPlrFileName", _char * 64),
        ("mDarkCloud", _f64),  # 0..1
        ("mRaining", _f64),  # 0..1
        ("mAmbientTemp", _f64),  # °C
        ("mTrackTemp", _f64),  # °C
        ("mWind", Vec3),  # m/s
        ("mMinPathWetness", _f64),  # 0..1
        ("mMaxPathWetness", _f64),  # 0..1
        ("mGameMode", _u8),  # 1 server, 2 client, 3 both
        ("mIsPasswordProtected", _bool),
        ("mServerPort", _u16),
        ("mServerPublicIP", _u32),
        ("mMaxPlayers", _i32),
        ("mServerName", _char * 32),
        ("mStartET", _f32),  # s since midnight
        ("mAvgPathWetness", _f64),  # 0..1
        ("mExpansion", _u8 * 200),
        ("pointer2", _u8 * 8),  # was VehicleScoringInfoV01 *mVehicle
    )


class VehicleScoring(_Pack4):
    """rF2VehicleScoring (VehicleScoringInfoV01)."""

    _fields_ = (
        ("mID", _i32),  # slot ID, matches VehicleTelemetry.mID
        ("mDriverName", _char * 32),
        ("mVehicleName", _char * 64),
        ("mTotalLaps", _i16),  # laps completed
        ("mSector", _i8),  # 0 sector 3, 1 sector 1, 2 sector 2
        ("mFinishStatus", _i8),  # 0 none, 1 finished, 2 DNF, 3 DQ
        ("mLapDist", _f64),  # m from the start line
        ("mPathLateral", _f64),  # m from the approximate centre path
        ("mTrackEdge", _f64),  # m
        ("mBestSector1", _f64),  # s
        ("mBestSector2", _f64),  # s, sectors 1 + 2
        ("mBestLapTime", _f64),  # s, <= 0 when none
        ("mLastSector1", _f64),  # s
        ("mLastSector2", _f64),  # s
        ("mLastLapTime", _f64),  # s, <= 0 when none
        ("mCurSector1", _f64),  # s
        ("mCurSector2", _f64),  # s
        ("mNumPitstops", _i16),
        ("mNumPenalties", _i16),
        ("mIsPlayer", _bool),
        ("mControl", _i8),  # see the mControl note above
        ("mInPits", _bool),  # between pit entrance and exit
        ("mPlace", _u8),  # 1-based
        ("mVehicleClass", _char * 32),
        ("mTimeBehindNext", _f64),  # s
        ("mLapsBehindNext", _i32),
        ("mTimeBehindLeader", _f64),  # s
        ("mLapsBehindLeader", _i32),
        ("mLapStartET", _f64),  # s
        ("mPos", Vec3),  # m
        ("mLocalVel", Vec3),  # m/s
        ("mLocalAccel", Vec3),  # m/s²
        ("mOri", Vec3 * 3),
        ("mLocalRot", Vec3),  # rad/s
        ("mLocalRotAccel", Vec3),  # rad/s²
        ("mHeadlights", _u8),
        ("mPitState", _u8),  # 0 none, 1 request, 2 entering, 3 stopped, 4 exiting
        ("mServerScored", _u8),
        ("mIndividualPhase", _u8),  # game phases plus 9 after formation, 10 under yellow
        ("mQualification", _i32),  # 1-based, -1 invalid
        ("mTimeIntoLap", _f64),  # s, estimated
        ("mEstimatedLapTime", _f64),  # s
        ("mPitGroup", _char * 24),
        ("mFlag", _u8),  # 0 green, 6 blue
        ("mUnderYellow", _bool),
        ("mCountLapFlag", _u8),  # see the mCountLapFlag note above
        ("mInGarageStall", _bool),
        ("mUpgradePack", _u8 * 16),
        ("mPitLapDist", _f32),  # m
        ("mBestLapSector1", _f32),  # s
        ("mBestLapSector2", _f32),  # s
        ("mExpansion", _u8 * 48),
    )


class PhysicsOptions(_Pack4):
    """rF2PhysicsOptions (PhysicsOptionsV01)."""

    _fields_ = (
        ("mTractionControl", _u8),  # 0 off .. 3 high
        ("mAntiLockBrakes", _u8),  # 0 off .. 2 high
        ("mStabilityControl", _u8),  # 0 off .. 2 high
        ("mAutoShift", _u8),  # 0 off, 1 up, 2 down, 3 all
        ("mAutoClutch", _u8),
        ("mInvulnerable", _u8),
        ("mOppositeLock", _u8),
        ("mSteeringHelp", _u8),  # 0 off .. 3 high
        ("mBrakingHelp", _u8),  # 0 off .. 2 high
        ("mSpinRecovery", _u8),
        ("mAutoPit", _u8),
        ("mAutoLift", _u8),
        ("mAutoBlip", _u8),
        ("mFuelMult", _u8),  # 0x..7x
        ("mTireMult", _u8),  # 0x..7x
        ("mMechFail", _u8),  # 0 off, 1 normal, 2 time-scaled
        ("mAllowPitcrewPush", _u8),
        ("mRepeatShifts", _u8),  # 0..5
        ("mHoldClutch", _u8),
        ("mAutoReverse", _u8),
        ("mAlternateNeutral", _u8),
        ("mAIControl", _u8),  # player vehicle under AI control
        ("mUnused1", _u8),
        ("mUnused2", _u8),
        ("mManualShiftOverrideTime", _f32),  # s
        ("mAutoShiftOverrideTime", _f32),  # s
        ("mSpeedSensitiveSteering", _f32),  # 0..1
        ("mSteerRatioSpeed", _f32),  # m/s
    )


class TrackedDamage(_Pack4):
    """rF2TrackedDamage."""

    _fields_ = (
        ("mMaxImpactMagnitude", _f64),
        ("mAccumulatedImpactMagnitude", _f64),
    )


class VehScoringCapture(_Pack4):
    """rF2VehScoringCapture."""

    _fields_ = (
        ("mID", _i32),
        ("mPlace", _u8),
        ("mIsPlayer", _bool),
        ("mFinishStatus", _i8),
    )


class SessionTransitionCapture(_Pack4):
    """rF2SessionTransitionCapture."""

    _fields_ = (
        ("mGamePhase", _u8),
        ("mSession", _i32),
        ("mNumScoringVehicles", _i32),
        ("mScoringVehicles", VehScoringCapture * MAX_MAPPED_VEHICLES),
    )


class VersionBlock(_Pack4):
    """rF2MappedBufferVersionBlock: begin is incremented before a write, end after it."""

    _fields_ = (
        ("mVersionUpdateBegin", _u32),
        ("mVersionUpdateEnd", _u32),
    )


class Telemetry(_Pack4):
    """rF2Telemetry: rF2MappedBufferHeaderWithSize then the vehicles."""

    _fields_ = (
        ("mBytesUpdatedHint", _i32),  # bytes written by the last update, 0 = unknown
        ("mNumVehicles", _i32),
        ("mVehicles", VehicleTelemetry * MAX_MAPPED_VEHICLES),
    )


class Scoring(_Pack4):
    """rF2Scoring."""

    _fields_ = (
        ("mBytesUpdatedHint", _i32),
        ("mScoringInfo", ScoringInfo),
        ("mVehicles", VehicleScoring * MAX_MAPPED_VEHICLES),
    )


class Extended(_Pack4):
    """rF2Extended."""

    _fields_ = (
        ("mVersion", _char * 12),  # plugin version, e.g. b"3.7.15.1"
        ("is64bit", _bool),
        ("mPhysics", PhysicsOptions),  # updated at session start
        ("mTrackedDamages", TrackedDamage * MAX_MAPPED_IDS),  # indexed by mID % MAX_MAPPED_IDS
        ("mInRealtimeFC", _bool),  # in realtime, from the last EnterRealtime/ExitRealtime call
        ("mMultimediaThreadStarted", _bool),
        ("mSimulationThreadStarted", _bool),
        ("mSessionStarted", _bool),  # SessionStarted was called
        ("mTicksSessionStarted", _u64),
        ("mTicksSessionEnded", _u64),
        ("mSessionTransitionCapture", SessionTransitionCapture),
        ("mDisplayedMessageUpdateCapture", _char * MESSAGE_TEXT_LEN),
        ("mDirectMemoryAccessEnabled", _bool),
        ("mTicksStatusMessageUpdated", _u64),
        ("mStatusMessage", _char * MAX_STATUS_MSG_LEN),
        ("mTicksLastHistoryMessageUpdated", _u64),
        ("mLastHistoryMessage", _char * MAX_STATUS_MSG_LEN),
        ("mCurrentPitSpeedLimit", _f32),  # m/s
        ("mSCRPluginEnabled", _bool),
        ("mSCRPluginDoubleFileType", _i32),
        ("mTicksLSIPhaseMessageUpdated", _u64),
        ("mLSIPhaseMessage", _char * MAX_RULES_INSTRUCTION_MSG_LEN),
        ("mTicksLSIPitStateMessageUpdated", _u64),
        ("mLSIPitStateMessage", _char * MAX_RULES_INSTRUCTION_MSG_LEN),
        ("mTicksLSIOrderInstructionMessageUpdated", _u64),
        ("mLSIOrderInstructionMessage", _char * MAX_RULES_INSTRUCTION_MSG_LEN),
        ("mTicksLSIRulesInstructionMessageUpdated", _u64),
        ("mLSIRulesInstructionMessage", _char * MAX_RULES_INSTRUCTION_MSG_LEN),
        ("mUnsubscribedBuffersMask", _i32),
        ("mHWControlInputEnabled", _bool),
        ("mWeatherControlInputEnabled", _bool),
        ("mRulesControlInputEnabled", _bool),
        ("mPluginControlInputEnabled", _bool),
    )


class TelemetryPage(_Pack4):
    """The whole ``$rFactor2SMMP_Telemetry$`` mapping."""

    _fields_ = (("version", VersionBlock), ("data", Telemetry))


class ScoringPage(_Pack4):
    """The whole ``$rFactor2SMMP_Scoring$`` mapping."""

    _fields_ = (("version", VersionBlock), ("data", Scoring))


class ExtendedPage(_Pack4):
    """The whole ``$rFactor2SMMP_Extended$`` mapping."""

    _fields_ = (("version", VersionBlock), ("data", Extended))


# Offsets in a mapping, derived from the structures so that nothing is typed twice.
VERSION_SIZE: Final = ctypes.sizeof(VersionBlock)
TELEMETRY_VEHICLES_OFFSET: Final = TelemetryPage.data.offset + Telemetry.mVehicles.offset
TELEMETRY_NUM_OFFSET: Final = TelemetryPage.data.offset + Telemetry.mNumVehicles.offset
SCORING_INFO_OFFSET: Final = ScoringPage.data.offset + Scoring.mScoringInfo.offset
SCORING_NUM_OFFSET: Final = SCORING_INFO_OFFSET + ScoringInfo.mNumVehicles.offset
SCORING_VEHICLES_OFFSET: Final = ScoringPage.data.offset + Scoring.mVehicles.offset
EXTENDED_OFFSET: Final = ExtendedPage.data.offset
VEHICLE_TELEMETRY_SIZE: Final = ctypes.sizeof(VehicleTelemetry)
VEHICLE_SCORING_SIZE: Final = ctypes.sizeof(VehicleScoring)
