"""mlsysim: analytical models of ML systems, validated against published measurements.

Every number in the book and labs comes from here: look up hardware and models, then ask
for FLOPs, memory, training time, serving latency, energy and cost."""

from ._units import quantity as format_quantity
from ._units import seconds, si
from .alltoall_fabric import FabricAllToAll, alltoall_on_fabric, torus_dims
from .batching import LargeBatch, large_batch
from .calibration import calibrate
from .checkpoint_goodput import CheckpointPlan, checkpoint_goodput_curve, checkpoint_plan
from .checkpointing import (
    ADAM_MIXED_BYTES_PER_PARAM,
    CheckpointCost,
    checkpoint_cost,
    daly_interval,
    interruption_probability,
    replica_availability,
)
from .collective_algorithms import CollectiveCost, collective_cost, straggler_step_time
from .compression import CompressionResult, compress
from .compute import (
    Roofline,
    TransformerOps,
    flops_per_inference,
    forward_flops,
    inference_flops,
    ridge_point,
    roofline,
    training_flops,
    transformer_ops,
)
from .data_pipeline import PipelineThroughput, data_pipeline
from .disaggregation import ServingMode, serving_mode
from .economics import (
    TCO,
    Energy,
    RunCost,
    carbon,
    cost_per_million_tokens,
    energy,
    tco,
    training_cost,
)
from .edge import (
    DeviceTrainingMemory,
    OtaRollout,
    device_training_memory,
    ota_rollout,
    update_coverage,
)
from .efficiency import attention_time, gemm_efficiency, gemm_time, memory_bound_time
from .errors import InvalidInputError, MlsysimError, PrecisionError, UnknownNameError
from .facility import (
    NodePower,
    PowerChain,
    RackPlan,
    SiteCapacity,
    coolant_flow,
    node_power,
    power_chain,
    rack_plan,
    site_capacity,
)
from .federated import (
    FederatedRound,
    FederatedTraining,
    federated_round,
    federated_training,
    rounds_within,
)
from .gang_sim import GangSchedule, simulate_gang_scheduling
from .governance import (
    EU_AI_ACT_SYSTEMIC_FLOPS,
    ExplanationCost,
    GapSample,
    UnlearningCost,
    audit_sample_size,
    days_to_collect,
    detectable_gap,
    explanation_cost,
    feedback_loop,
    sisa_unlearning,
    subgroup_sample_size,
    zero_event_bound,
)
from .grid_carbon import GridProfile, JobCarbon, job_carbon
from .kernels import (
    FusionResult,
    LayerCost,
    attention_layer,
    conv2d_layer,
    dense_layer,
    elementwise_chain,
)
from .kv_paging import KvPaging, kv_pool_tokens, simulate_kv_paging
from .labeling import (
    ActiveLearningCurve,
    LabelBudget,
    accuracy_for_kappa,
    active_learning_curve,
    cohen_kappa,
    kappa_for_accuracy,
    label_budget,
    labels_to_reach,
    majority_vote_accuracy,
    noisy_label_value,
    votes_needed,
)
from .memory import TrainingMemory, kv_cache_bytes, model_size_bytes, training_memory
from .network import Cluster, allgather_time, allreduce_time, alltoall_time, cluster
from .operations import (
    BurnAlert,
    CanaryPlan,
    CapacityOrder,
    ErrorBudget,
    FalseAlarms,
    burn_rate_alert,
    canary_plan,
    capacity_order,
    detection_time,
    error_budget,
    false_alarms,
)
from .performance import HostBound, StepLedger, host_bound, loader_stall, step_ledger
from .privacy import (
    PerExampleCost,
    PrivacySpent,
    SecureAggregation,
    dp_noise_ratio,
    dp_sgd_epsilon,
    membership_tpr_bound,
    noise_for_epsilon,
    per_example_gradient_cost,
    sealed_transfer_time,
    secure_aggregation,
    sgm_rdp,
)
from .registry import (
    Fabric,
    Hardware,
    Model,
    cnn,
    fabric,
    hardware,
    list_fabrics,
    list_hardware,
    list_models,
    model,
    transformer,
    variant,
)
from .reliability import Goodput, fleet_mtbf, training_goodput, young_daly_interval
from .robustness import (
    abft_overhead,
    adversarial_training_multiplier,
    ks_critical_distance,
    shift_sample_size,
    smoothing_radius,
)
from .scaling import chinchilla, chinchilla_tokens, hoffmann_loss
from .scheduling import (
    drf,
    erlang_c,
    fragmentation,
    gang_reservation,
    mmc_queue,
    preemption_cost,
    servers_for_wait,
)
from .serve import ServeResult, serve, tokens_per_verify
from .silent_corruption import SdcExposure, SdcPlan, sdc_exposure, sdc_plan
from .simulate import ServingSim, simulate_serving
from .storage import (
    IngestDemand,
    ObjectReads,
    ShuffleBuffer,
    StorageTier,
    TieredCheckpoint,
    checkpoint_bytes,
    checkpoint_write_bandwidth,
    ingest_bandwidth,
    object_read_throughput,
    shuffle_buffer,
    tiered_checkpoint,
)
from .sustainability import (
    BLOOM_FOOTPRINT,
    GRID_MIXES,
    SOURCE_G_PER_KWH,
    CarbonShift,
    LifecycleCarbon,
    TokenEnergy,
    WaterUse,
    carbon_shift,
    grid_intensity,
    hourly_intensity,
    lifecycle_carbon,
    rebound,
    token_energy,
    water_use,
)
from .tinyml import BATTERIES_J, BatteryLife, TinyMLFit, battery_life, tinyml_fit
from .topology import (
    Dragonfly,
    Ecmp,
    FatTree,
    Torus,
    dragonfly,
    ecmp,
    fat_tree,
    oversubscribed_alltoall_time,
    torus,
)
from .train import TrainResult, train, train_sweep
from .validation import ValidationRow, validate

__version__ = "0.1.0"

__all__ = [
    "SdcExposure", "SdcPlan", "sdc_exposure", "sdc_plan",
    "GridProfile", "JobCarbon", "job_carbon",
    "ServingMode", "serving_mode",
    "KvPaging", "kv_pool_tokens", "simulate_kv_paging",
    "GangSchedule", "simulate_gang_scheduling",
    "CheckpointPlan", "checkpoint_goodput_curve", "checkpoint_plan",
    "FabricAllToAll", "alltoall_on_fabric", "torus_dims",
    "DeviceTrainingMemory", "OtaRollout", "device_training_memory", "ota_rollout", "update_coverage", "FederatedRound", "FederatedTraining", "federated_round",
    "federated_training", "rounds_within",
    "BurnAlert", "CanaryPlan", "CapacityOrder", "ErrorBudget", "FalseAlarms", "burn_rate_alert", "canary_plan", "capacity_order", "detection_time", "error_budget", "false_alarms",
    "abft_overhead", "adversarial_training_multiplier", "ks_critical_distance", "shift_sample_size", "smoothing_radius",
    "PerExampleCost", "PrivacySpent", "SecureAggregation", "dp_noise_ratio", "dp_sgd_epsilon", "membership_tpr_bound", "noise_for_epsilon", "per_example_gradient_cost", "sealed_transfer_time", "secure_aggregation", "sgm_rdp",
    "EU_AI_ACT_SYSTEMIC_FLOPS", "ExplanationCost", "GapSample", "UnlearningCost", "audit_sample_size", "days_to_collect", "detectable_gap", "explanation_cost", "feedback_loop", "sisa_unlearning", "subgroup_sample_size", "zero_event_bound",
    "BLOOM_FOOTPRINT", "GRID_MIXES", "SOURCE_G_PER_KWH", "CarbonShift", "LifecycleCarbon", "TokenEnergy", "WaterUse", "carbon_shift", "grid_intensity", "hourly_intensity", "lifecycle_carbon", "rebound", "token_energy", "water_use",
    "ActiveLearningCurve", "LabelBudget", "accuracy_for_kappa", "active_learning_curve", "cohen_kappa", "kappa_for_accuracy", "label_budget", "labels_to_reach", "majority_vote_accuracy", "noisy_label_value", "votes_needed",
    "HostBound", "StepLedger", "host_bound", "loader_stall", "step_ledger",
    "drf", "erlang_c", "fragmentation", "gang_reservation", "mmc_queue", "preemption_cost", "servers_for_wait",
    "IngestDemand", "ObjectReads", "ShuffleBuffer", "StorageTier", "TieredCheckpoint", "checkpoint_bytes", "checkpoint_write_bandwidth", "ingest_bandwidth", "object_read_throughput", "shuffle_buffer", "tiered_checkpoint",
    "LargeBatch", "large_batch",
    "ADAM_MIXED_BYTES_PER_PARAM", "CheckpointCost", "checkpoint_cost", "daly_interval", "interruption_probability", "replica_availability",
    "CollectiveCost", "collective_cost", "straggler_step_time",
    "CompressionResult", "compress", "FusionResult", "LayerCost", "attention_layer", "conv2d_layer", "dense_layer", "elementwise_chain",
    "Energy", "Goodput", "ServingSim", "TCO", "TinyMLFit", "carbon", "cost_per_million_tokens",
    "energy", "fleet_mtbf", "simulate_serving", "tco", "tinyml_fit", "training_goodput",
    "BATTERIES_J", "BatteryLife", "battery_life",
    "young_daly_interval", "ValidationRow", "calibrate", "gemm_time", "gemm_efficiency", "attention_time",
    "memory_bound_time", "validate", "RunCost", "training_cost",
    "PipelineThroughput", "data_pipeline", "train_sweep", "transformer", "variant", "cnn", "si", "seconds",
    "Cluster", "Fabric", "Hardware", "InvalidInputError", "MlsysimError", "Model",
    "PrecisionError", "Roofline", "ServeResult", "TrainResult", "TrainingMemory",
    "TransformerOps", "UnknownNameError", "allgather_time", "allreduce_time", "alltoall_time",
    "chinchilla", "chinchilla_tokens", "cluster", "fabric", "flops_per_inference", "forward_flops", "hardware",
    "hoffmann_loss", "inference_flops", "kv_cache_bytes", "list_fabrics", "list_hardware",
    "list_models", "model", "model_size_bytes", "ridge_point", "roofline", "serve", "train",
    "tokens_per_verify",
    "training_flops", "training_memory", "transformer_ops", "format_quantity",
    "NodePower", "PowerChain", "RackPlan", "SiteCapacity", "coolant_flow", "node_power", "power_chain", "rack_plan", "site_capacity",
    "Dragonfly", "Ecmp", "FatTree", "Torus", "dragonfly", "ecmp", "fat_tree", "oversubscribed_alltoall_time", "torus",
]
