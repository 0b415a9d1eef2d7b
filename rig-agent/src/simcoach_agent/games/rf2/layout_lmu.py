"""Le Mans Ultimate's own ``LMU_Data`` shared memory, laid out as Studio 397's SDK header declares it.

Source: the ``Support/SharedMemoryInterface`` headers LMU ships, ``SharedMemoryInterface.hpp``
and ``InternalsPlugin.hpp`` (Copyright 2025 Studio 397 BV), as found verbatim in
coasting-nc/LMUFFB ``src/lmu_sm_interface/`` (commit e01352441f5e163149b4b63fd44a4c050ca7c3d5).
That copy is an earlier edition of the SDK; the current one carves new fields out of
``mExpansion`` bytes (``mLapInvalidated``, ``mABSActive``, ``mTCActive``, the
electronics levels, ``mOptimalTemp``, ``mSteamID``, ``mSessionTimeRemaining``...)
without moving or resizing anything; those fields (marked "newer SDK") follow
TinyPedal/pyLMUSharedMemory ``lmu_data.py``, which transcribes the newer header.
On an older game they read 0.

Packing: the game structures in ``InternalsPlugin.hpp`` sit inside
``#pragma pack(push, 4)``; the ``SharedMemory*`` wrappers are declared after the
matching ``pop`` and so use the compiler's natural x64 alignment (the ``size_t``
in the scoring wrapper lands on 8, and the whole mapping is padded to a multiple
of 8). ``long`` is 4 bytes and pointers 8 (64-bit Windows).
"""

from __future__ import annotations

import ctypes
from typing import Final

LMU_DATA_PAGE: Final = "LMU_Data"
LMU_LOCK_PAGE: Final = "LMU_SharedMemoryLockData"
MAX_VEHICLES: Final = 104  # the SDK's array sizes
MAX_PATH: Final = 260
SCORING_STREAM_SIZE: Final = 65536

# SharedMemoryEvent indices into SharedMemoryGeneric.events.
SME_ENTER, SME_EXIT, SME_STARTUP, SME_SHUTDOWN, SME_LOAD, SME_UNLOAD = range(6)
SME_START_SESSION, SME_END_SESSION, SME_ENTER_REALTIME, SME_EXIT_REALTIME = range(6, 10)
SME_UPDATE_SCORING, SME_UPDATE_TELEMETRY, SME_INIT_APPLICATION, SME_UNINIT_APPLICATION = range(10, 14)
SME_SET_ENVIRONMENT, SME_FFB, SME_MAX = range(14, 17)

_i8, _u8, _i16, _u16 = ctypes.c_int8, ctypes.c_uint8, ctypes.c_int16, ctypes.c_uint16
_i32, _u32, _u64 = ctypes.c_int32, ctypes.c_uint32, ctypes.c_uint64
_f32, _f64, _bool, _char = ctypes.c_float, ctypes.c_double, ctypes.c_bool, ctypes.c_char


class _Pack4(ctypes.LittleEndianStructure):
    """InternalsPlugin.hpp types: ``#pragma pack(push, 4)``."""

    _pack_ = 4
    _layout_ = "ms"  # MSVC rules; only read by Python >= 3.13, which wants it spelled out with _pack_


class _Natural(ctypes.LittleEndianStructure):
    """SharedMemoryInterface.hpp wrappers: default (natural) alignment."""

    _layout_ = "ms"


class TelemVect3(_Pack4):
    """TelemVect3."""

    _fields_ = (
        ("x", _f64),
        ("y", _f64),
        ("z", _f64),
    )


class TelemWheelV01(_Pack4):
    """TelemWheelV01 as LMU declares it."""

    _fields_ = (
        ("mSuspensionDeflection", _f64),  # m
        ("mRideHeight", _f64),  # m
        ("mSuspForce", _f64),  # pushrod load, N
        ("mBrakeTemp", _f64),  # header says Celsius; the game reports Kelvin (TinyPedal converts)
        ("mBrakePressure", _f64),  # 0..1
        ("mRotation", _f64),  # rad/s
        ("mLateralPatchVel", _f64),  # m/s
        ("mLongitudinalPatchVel", _f64),  # m/s
        ("mLateralGroundVel", _f64),  # m/s
        ("mLongitudinalGroundVel", _f64),  # m/s
        ("mCamber", _f64),  # rad
        ("mLateralForce", _f64),  # N
        ("mLongitudinalForce", _f64),  # N
        ("mTireLoad", _f64),  # N
        ("mGripFract", _f64),  # fraction of the contact patch sliding
        ("mPressure", _f64),  # kPa
        ("mTemperature", _f64 * 3),  # Kelvin, surface left/centre/right of the car
        ("mWear", _f64),  # 0..1 "fraction of maximum": 1 = new tyre
        ("mTerrainName", _char * 16),
        ("mSurfaceType", _u8),  # 0 dry, 1 wet, 2 grass, 3 dirt, 4 gravel, 5 rumble strip, 6 special
        ("mFlat", _bool),
        ("mDetached", _bool),
        ("mStaticUndeflectedRadius", _u8),  # cm
        ("mVerticalTireDeflection", _f64),  # m
        ("mWheelYLocation", _f64),  # m
        ("mToe", _f64),  # rad
        ("mTireCarcassTemperature", _f64),  # Kelvin
        ("mTireInnerLayerTemperature", _f64 * 3),  # Kelvin, left/centre/right
        ("mOptimalTemp", _f32),  # °C (newer SDK)
        ("mCompoundIndex", _u8),  # (newer SDK)
        ("mCompoundType", _u8),  # 0 soft, 1 medium, 2 hard, 3 wet (newer SDK)
        ("mExpansion", _u8 * 18),
    )


class TelemInfoV01(_Pack4):
    """TelemInfoV01, LMU edition. Local axes: +x left, +y up, +z towards the back of the car."""

    _fields_ = (
        ("mID", _i32),  # slot ID
        ("mDeltaTime", _f64),  # s
        ("mElapsedTime", _f64),  # s, session time
        ("mLapNumber", _i32),
        ("mLapStartET", _f64),  # s
        ("mVehicleName", _char * 64),
        ("mTrackName", _char * 64),
        ("mPos", TelemVect3),  # m, world
        ("mLocalVel", TelemVect3),  # m/s, local
        ("mLocalAccel", TelemVect3),  # m/s², local
        ("mOri", TelemVect3 * 3),
        ("mLocalRot", TelemVect3),  # rad/s
        ("mLocalRotAccel", TelemVect3),  # rad/s²
        ("mGear", _i32),  # -1 reverse, 0 neutral, 1+ forward
        ("mEngineRPM", _f64),
        ("mEngineWaterTemp", _f64),  # °C
        ("mEngineOilTemp", _f64),  # °C
        ("mClutchRPM", _f64),
        ("mUnfilteredThrottle", _f64),  # 0..1
        ("mUnfilteredBrake", _f64),  # 0..1
        ("mUnfilteredSteering", _f64),  # -1..1, left to right
        ("mUnfilteredClutch", _f64),  # 0..1
        ("mFilteredThrottle", _f64),
        ("mFilteredBrake", _f64),
        ("mFilteredSteering", _f64),
        ("mFilteredClutch", _f64),
        ("mSteeringShaftTorque", _f64),  # N·m
        ("mFront3rdDeflection", _f64),
        ("mRear3rdDeflection", _f64),
        ("mFrontWingHeight", _f64),
        ("mFrontRideHeight", _f64),  # m
        ("mRearRideHeight", _f64),  # m
        ("mDrag", _f64),
        ("mFrontDownforce", _f64),
        ("mRearDownforce", _f64),
        ("mFuel", _f64),  # litres
        ("mEngineMaxRPM", _f64),
        ("mScheduledStops", _u8),
        ("mOverheating", _bool),
        ("mDetached", _bool),
        ("mHeadlights", _bool),
        ("mDentSeverity", _u8 * 8),
        ("mLastImpactET", _f64),
        ("mLastImpactMagnitude", _f64),
        ("mLastImpactPos", TelemVect3),
        ("mEngineTorque", _f64),
        ("mCurrentSector", _i32),  # zero-based, pit lane in the sign bit
        ("mSpeedLimiter", _u8),
        ("mMaxGears", _u8),
        ("mFrontTireCompoundIndex", _u8),
        ("mRearTireCompoundIndex", _u8),
        ("mFuelCapacity", _f64),  # litres
        ("mFrontFlapActivated", _u8),
        ("mRearFlapActivated", _u8),
        ("mRearFlapLegalStatus", _u8),
        ("mIgnitionStarter", _u8),
        ("mFrontTireCompoundName", _char * 18),
        ("mRearTireCompoundName", _char * 18),
        ("mSpeedLimiterAvailable", _u8),
        ("mAntiStallActivated", _u8),
        ("mUnused", _u8 * 2),
        ("mVisualSteeringWheelRange", _f32),
        ("mRearBrakeBias", _f64),
        ("mTurboBoostPressure", _f64),
        ("mPhysicsToGraphicsOffset", _f32 * 3),
        ("mPhysicalSteeringWheelRange", _f32),
        ("mDeltaBest", _f64),  # s
        ("mBatteryChargeFraction", _f64),  # 0..1
        ("mElectricBoostMotorTorque", _f64),
        ("mElectricBoostMotorRPM", _f64),
        ("mElectricBoostMotorTemperature", _f64),
        ("mElectricBoostWaterTemperature", _f64),
        ("mElectricBoostMotorState", _u8),  # 0 unavailable, 1 inactive, 2 propulsion, 3 regeneration
        ("mLapInvalidated", _bool),  # (newer SDK)
        ("mABSActive", _bool),  # (newer SDK)
        ("mTCActive", _bool),  # (newer SDK)
        ("mSpeedLimiterActive", _bool),  # (newer SDK)
        ("mWiperState", _u8),  # 0 off, 1 auto, 2 slow, 3 fast
        ("mTC", _u8),
        ("mTCMax", _u8),
        ("mTCSlip", _u8),
        ("mTCSlipMax", _u8),
        ("mTCCut", _u8),
        ("mTCCutMax", _u8),
        ("mABS", _u8),
        ("mABSMax", _u8),
        ("mMotorMap", _u8),
        ("mMotorMapMax", _u8),
        ("mMigration", _u8),
        ("mMigrationMax", _u8),
        ("mFrontAntiSway", _u8),
        ("mFrontAntiSwayMax", _u8),
        ("mRearAntiSway", _u8),
        ("mRearAntiSwayMax", _u8),
        ("mLiftAndCoastProgress", _u8),  # 0..255
        ("mTrackLimitsSteps", _u8),
        ("mRegen", _f32),  # kW
        ("mStateOfCharge", _f32),
        ("mVirtualEnergy", _f32),  # fraction
        ("mTimeGapCarAhead", _f32),  # s
        ("mTimeGapCarBehind", _f32),  # s
        ("mTimeGapPlaceAhead", _f32),  # s
        ("mTimeGapPlaceBehind", _f32),  # s
        ("mVehicleModel", _char * 30),
        ("mVehicleClass", _u8),  # IP_VehicleClass: 0 Hypercar, 2 LMP2 ELMS, 3 LMP2, 4 LMP3, 5 GTE, 6 GT3
        ("mVehicleChampionship", _u8),
        ("mExpansion", _u8 * 20),
        ("mWheel", TelemWheelV01 * 4),  # FL, FR, RL, RR
    )


class VehicleScoringInfoV01(_Pack4):
    """VehicleScoringInfoV01, LMU edition."""

    _fields_ = (
        ("mID", _i32),
        ("mDriverName", _char * 32),
        ("mVehicleName", _char * 64),
        ("mTotalLaps", _i16),  # laps completed
        ("mSector", _i8),  # 0 sector 3, 1 sector 1, 2 sector 2
        ("mFinishStatus", _i8),
        ("mLapDist", _f64),  # m
        ("mPathLateral", _f64),
        ("mTrackEdge", _f64),
        ("mBestSector1", _f64),
        ("mBestSector2", _f64),
        ("mBestLapTime", _f64),  # s, <= 0 when none
        ("mLastSector1", _f64),
        ("mLastSector2", _f64),
        ("mLastLapTime", _f64),  # s, <= 0 when none
        ("mCurSector1", _f64),
        ("mCurSector2", _f64),
        ("mNumPitstops", _i16),
        ("mNumPenalties", _i16),
        ("mIsPlayer", _bool),
        ("mControl", _i8),  # -1 nobody, 0 local player, 1 AI, 2 remote, 3 replay
        ("mInPits", _bool),
        ("mPlace", _u8),  # 1-based
        ("mVehicleClass", _char * 32),
        ("mTimeBehindNext", _f64),
        ("mLapsBehindNext", _i32),
        ("mTimeBehindLeader", _f64),
        ("mLapsBehindLeader", _i32),
        ("mLapStartET", _f64),
        ("mPos", TelemVect3),
        ("mLocalVel", TelemVect3),
        ("mLocalAccel", TelemVect3),
        ("mOri", TelemVect3 * 3),
        ("mLocalRot", TelemVect3),
        ("mLocalRotAccel", TelemVect3),
        ("mHeadlights", _u8),
        ("mPitState", _u8),
        ("mServerScored", _u8),
        ("mIndividualPhase", _u8),
        ("mQualification", _i32),
        ("mTimeIntoLap", _f64),
        ("mEstimatedLapTime", _f64),
        ("mPitGroup", _char * 24),
        ("mFlag", _u8),
        ("mUnderYellow", _bool),
        ("mCountLapFlag", _u8),  # 0 no lap no time, 1 lap not time, 2 lap and time
        ("mInGarageStall", _bool),
        ("mUpgradePack", _u8 * 16),
        ("mPitLapDist", _f32),
        ("mBestLapSector1", _f32),
        ("mBestLapSector2", _f32),
        ("mSteamID", _u64),
        ("mVehFilename", _char * 32),
        ("mAttackMode", _i16),
        ("mFuelFraction", _u8),  # 0x00 = 0 %, 0xFF = 100 %
        ("mDRSState", _bool),
        ("mExpansion", _u8 * 4),
    )


class ScoringInfoV01(_Pack4):
    """ScoringInfoV01, LMU edition."""

    _fields_ = (
        ("mTrackName", _char * 64),
        ("mSession", _i32),  # 0 testday, 1-4 practice, 5-8 qualifying, 9 warmup, 10-13 race
        ("mCurrentET", _f64),
        ("mEndET", _f64),
        ("mMaxLaps", _i32),
        ("mLapDist", _f64),  # m, length of the lap
        ("mResultsStream", _u64),  # char *, an address in the game's process
        ("mNumVehicles", _i32),
        ("mGamePhase", _u8),  # 0..8 as in rF2, 9 paused
        ("mYellowFlagState", _i8),
        ("mSectorFlag", _i8 * 3),
        ("mStartLight", _u8),
        ("mNumRedLights", _u8),
        ("mInRealtime", _bool),  # driving, as opposed to at the monitor
        ("mPlayerName", _char * 32),
        ("mPlrFileName", _char * 64),
        ("mDarkCloud", _f64),
        ("mRaining", _f64),
        ("mAmbientTemp", _f64),  # °C
        ("mTrackTemp", _f64),  # °C
        ("mWind", TelemVect3),
        ("mMinPathWetness", _f64),
        ("mMaxPathWetness", _f64),
        ("mGameMode", _u8),
        ("mIsPasswordProtected", _bool),
        ("mServerPort", _u16),
        ("mServerPublicIP", _u32),
        ("mMaxPlayers", _i32),
        ("mServerName", _char * 32),
        ("mStartET", _f32),
        ("mAvgPathWetness", _f64),
        ("mSessionTimeRemaining", _f32),  # s (newer SDK)
        ("mTimeOfDay", _f32),  # s since midnight (newer SDK)
        ("mIsFixedSetup", _bool),
        ("mTrackGripLevel", _u8),  # 0 green .. 4 saturated
        ("mCloudCoverage", _u8),
        ("mTrackLimitsStepsPerPenalty", _u8),
        ("mTrackLimitsStepsPerPoint", _u8),
        ("mExpansion", _u8 * 187),
        ("mVehicle", _u64),  # VehicleScoringInfoV01 *, an address in the game's process
    )


class ApplicationStateV01(_Pack4):
    """ApplicationStateV01."""

    _fields_ = (
        ("mAppWindow", _u64),  # HWND
        ("mWidth", _u32),
        ("mHeight", _u32),
        ("mRefreshRate", _u32),
        ("mWindowed", _u32),
        ("mOptionsLocation", _u8),  # 0 main UI, 1 track loading, 2 monitor, 3 on track
        ("mOptionsPage", _char * 31),
        ("mExpansion", _u8 * 204),
    )


class SharedMemoryGeneric(_Natural):
    """SharedMemoryGeneric."""

    _fields_ = (
        ("events", _u32 * SME_MAX),  # non-zero: this event happened in the last update
        ("gameVersion", _i32),
        ("FFBTorque", _f32),
        ("appInfo", ApplicationStateV01),
    )


class SharedMemoryPathData(_Natural):
    """SharedMemoryPathData."""

    _fields_ = (
        ("userData", _char * MAX_PATH),
        ("customVariables", _char * MAX_PATH),
        ("stewardResults", _char * MAX_PATH),
        ("playerProfile", _char * MAX_PATH),
        ("pluginsFolder", _char * MAX_PATH),
    )


class SharedMemoryScoringData(_Natural):
    """SharedMemoryScoringData."""

    _fields_ = (
        ("scoringInfo", ScoringInfoV01),
        ("scoringStreamSize", _u64),  # size_t
        ("vehScoringInfo", VehicleScoringInfoV01 * MAX_VEHICLES),
        ("scoringStream", _char * SCORING_STREAM_SIZE),
    )


class SharedMemoryTelemtryData(_Natural):
    """SharedMemoryTelemtryData (the SDK's spelling)."""

    _fields_ = (
        ("activeVehicles", _u8),
        ("playerVehicleIdx", _u8),  # index into telemInfo
        ("playerHasVehicle", _bool),
        ("telemInfo", TelemInfoV01 * MAX_VEHICLES),
    )


class SharedMemoryObjectOut(_Natural):
    """SharedMemoryObjectOut."""

    _fields_ = (
        ("generic", SharedMemoryGeneric),
        ("paths", SharedMemoryPathData),
        ("scoring", SharedMemoryScoringData),
        ("telemetry", SharedMemoryTelemtryData),
    )


class SharedMemoryLayout(_Natural):
    """SharedMemoryLayout: the whole ``LMU_Data`` mapping."""

    _fields_ = (("data", SharedMemoryObjectOut),)


class LockData(_Natural):
    """SharedMemoryLock::LockData, the ``LMU_SharedMemoryLockData`` mapping."""

    _fields_ = (
        ("waiters", _i32),
        ("busy", _i32),  # 1 while someone (the game) holds the lock
    )


# Offsets in the mapping, derived from the structures so that nothing is typed twice.
_SCORING: Final = SharedMemoryLayout.data.offset + SharedMemoryObjectOut.scoring.offset
_TELEMETRY: Final = SharedMemoryLayout.data.offset + SharedMemoryObjectOut.telemetry.offset
SCORING_INFO_OFFSET: Final = _SCORING + SharedMemoryScoringData.scoringInfo.offset
SCORING_NUM_OFFSET: Final = SCORING_INFO_OFFSET + ScoringInfoV01.mNumVehicles.offset
SCORING_VEHICLES_OFFSET: Final = _SCORING + SharedMemoryScoringData.vehScoringInfo.offset
TELEMETRY_HEAD_OFFSET: Final = _TELEMETRY
TELEMETRY_HEAD_SIZE: Final = SharedMemoryTelemtryData.telemInfo.offset
TELEMETRY_VEHICLES_OFFSET: Final = _TELEMETRY + SharedMemoryTelemtryData.telemInfo.offset
VEHICLE_TELEMETRY_SIZE: Final = ctypes.sizeof(TelemInfoV01)
VEHICLE_SCORING_SIZE: Final = ctypes.sizeof(VehicleScoringInfoV01)
