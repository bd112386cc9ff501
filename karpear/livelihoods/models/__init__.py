"""The livelihoods app's records (a package: groups; savings cycles and the ledger; in-kind banks)."""

from karpear.livelihoods.models.banks import Animal, AnimalEvent, Bank, BankLoan, StockMovement
from karpear.livelihoods.models.grants import Grant, GrantFollowUp, GrantGate
from karpear.livelihoods.models.groups import CommitteeRole, Group, GroupMember, GroupStage
from karpear.livelihoods.models.markets import (
    Buyer,
    Employer,
    JobPlacement,
    MarketLink,
    Milling,
    Product,
    Production,
    Sale,
    Unit,
)
from karpear.livelihoods.models.plans import BusinessPlan, BusinessPlanYear
from karpear.livelihoods.models.savings import (
    Attendance,
    ChargeMethod,
    Cycle,
    CycleTotal,
    LedgerEntry,
    Loan,
    LoanInstalment,
    Meeting,
    ShareOut,
    ShareOutLine,
)
from karpear.livelihoods.models.training import AdvisorHousehold, AdvisorVisit, FarmerRole, Training, TrainingAttendance

__all__ = [
    "AdvisorHousehold",
    "AdvisorVisit",
    "Animal",
    "AnimalEvent",
    "Attendance",
    "Bank",
    "BankLoan",
    "BusinessPlan",
    "BusinessPlanYear",
    "Buyer",
    "ChargeMethod",
    "CommitteeRole",
    "Cycle",
    "CycleTotal",
    "Employer",
    "FarmerRole",
    "Grant",
    "GrantFollowUp",
    "GrantGate",
    "Group",
    "GroupMember",
    "GroupStage",
    "JobPlacement",
    "LedgerEntry",
    "Loan",
    "LoanInstalment",
    "MarketLink",
    "Meeting",
    "Milling",
    "Product",
    "Production",
    "Sale",
    "ShareOut",
    "ShareOutLine",
    "StockMovement",
    "Training",
    "TrainingAttendance",
    "Unit",
]
