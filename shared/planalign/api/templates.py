"""/api/templates: the Studio's built-in scenario templates (no census, no NumPy: served by SystemApi)."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from planalign.domain.scenario_templates import scenario_template, scenario_templates
from planalign.errors import NotFound

router = APIRouter(prefix="/api/templates", tags=["templates"])


class Template(BaseModel):
    id: str
    name: str
    description: str
    category: str
    config: dict[str, Any]


class TemplateList(BaseModel):
    templates: list[Template]


@router.get("")
def list_templates() -> TemplateList:
    return TemplateList(templates=[Template(**t) for t in scenario_templates()])


@router.get("/{template_id}")
def get_template(template_id: str) -> Template:
    template = scenario_template(template_id)
    if template is None:
        raise NotFound(f"Template not found: {template_id}")
    return Template(**template)
